"""The admin, the API docs and the error page in a real Chromium under our CSP: no console
errors (a CSP violation is one), assets served locally. Screenshots in test-artifacts/."""

import pytest

from common.roles import COMPLIANCE_ADMIN
from common.testing.browser import ARTIFACTS
from compliance.tests.factories import FrameworkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser, live_server):
    page = browser.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    # Anything not on the live server (a CDN, a font host) is a failure, not a fetch.
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(live_server.url)
            else (page.problems.append(f"external request {route.request.url}"), route.abort())
        ),
    )
    return page


def sign_in_to_admin(page, live_server, role_user):
    user = role_user(COMPLIANCE_ADMIN)
    user.is_staff = True
    user.save()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_admin_pages_satisfy_the_csp(page, live_server, role_user):
    response = page.goto(f"{live_server.url}/admin/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    sign_in_to_admin(page, live_server, role_user)
    assert page.get_by_role("link", name="Compliance dashboard").is_visible()
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(f"{live_server.url}{icon}").headers["content-type"] == "image/svg+xml"
    page.screenshot(path=str(ARTIFACTS / "admin-index.png"), full_page=True)
    for path in (
        "/admin/compliance/compliancerule/",
        "/admin/compliance/compliancerule/add/",
        "/admin/compliance/finding/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / "admin-findings.png"), full_page=True)
    assert page.problems == []


def test_api_docs_render_from_local_assets_under_the_csp(page, live_server, role_user):
    sign_in_to_admin(page, live_server, role_user)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    # Swagger UI draws only the operations in the viewport; its filter narrows to one tag.
    page.fill(".operation-filter-input", "evaluations")
    bulk = page.locator(".opblock-summary-path", has_text="/api/v1/evaluations/bulk/")
    bulk.first.wait_for(timeout=10_000)
    assert page.locator(".opblock-tag", has_text="audit-logs").count() == 0
    page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
    assert page.problems == []


def drf_scripts_ran(page):
    """DRF's AJAX forms write the response over the document; its scripts then load anew, and
    a click before they ran does nothing. Bootstrap's tooltips moving `title` shows they have."""
    page.wait_for_selector(".js-tooltip[data-original-title]", state="attached")


def sign_in_to_api(page, live_server, role_user, path):
    """Session sign-in through DRF's own login page (templates/rest_framework/login_base.html)."""
    role_user(COMPLIANCE_ADMIN)
    response = page.goto(f"{live_server.url}/api-auth/login/?next={path}")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    page.screenshot(path=str(ARTIFACTS / "api-login.png"))
    page.fill("#id_username", "role-admin")
    page.fill("#id_password", "correct-horse-battery")
    page.click("#submit-id-submit")
    page.wait_for_url(f"{live_server.url}{path}")


def test_browsable_api_list_works_under_the_csp(page, live_server, role_user):
    """DRF's own templates carry inline styles and an onclick; ours (templates/rest_framework/)
    must not, and the dropdowns, tabs and AJAX forms must still work."""
    FrameworkFactory(code="soc2", name="SOC 2")
    sign_in_to_api(page, live_server, role_user, "/api/v1/frameworks/")
    assert page.locator(".response-info", has_text='"code": "soc2"').is_visible()

    page.click(".format-selection .dropdown-toggle")
    page.screenshot(path=str(ARTIFACTS / "api-list-formats.png"))
    page.locator(".format-selection .dropdown-menu").get_by_text("json", exact=True).click()
    page.wait_for_url("**/api/v1/frameworks/?format=json")
    assert page.evaluate("() => JSON.parse(document.body.innerText).count") == 1
    page.go_back()

    page.click("text=Filters")
    page.wait_for_function("() => getComputedStyle(document.getElementById('filtersModal')).opacity === '1'")
    assert page.locator("#filtersModal input[name=search]").is_visible()
    page.screenshot(path=str(ARTIFACTS / "api-list-filters.png"))
    page.click("#filtersModal button.close")
    page.wait_for_selector("#filtersModal", state="hidden")

    page.click(".form-switcher a[name=raw-tab]")
    raw = page.locator("#post-generic-content-form")
    assert raw.is_visible() and not page.locator("#post-object-form").is_visible()
    raw.locator("textarea").fill('{"code": "gdpr", "name": "GDPR", "version": "2016"}')
    raw.get_by_role("button", name="POST").click()  # an AJAX POST: needs the CSRF token
    page.wait_for_selector(".response-info >> text=HTTP 201 Created")
    drf_scripts_ran(page)
    page.click(".form-switcher a[name=html-tab]")
    assert page.locator("#post-object-form").is_visible()
    page.screenshot(path=str(ARTIFACTS / "api-list.png"), full_page=True)
    assert page.problems == []


def test_browsable_api_detail_works_under_the_csp(page, live_server, role_user):
    FrameworkFactory(code="gdpr", name="GDPR")
    sign_in_to_api(page, live_server, role_user, "/api/v1/frameworks/gdpr/")
    page.click("#extra-actions-menu")
    assert page.get_by_role("link", name="Controls").is_visible()
    page.screenshot(path=str(ARTIFACTS / "api-detail-actions.png"))
    page.keyboard.press("Escape")

    page.get_by_role("button", name="OPTIONS").click()
    page.wait_for_selector(".request-info >> text=OPTIONS")
    drf_scripts_ran(page)
    page.get_by_role("button", name="DELETE").click()
    page.locator("#deleteModal").get_by_role("button", name="Delete").click()
    page.wait_for_selector(".response-info >> text=HTTP 204 No Content")
    drf_scripts_ran(page)
    page.screenshot(path=str(ARTIFACTS / "api-detail.png"), full_page=True)

    page.click(".navbar .dropdown-toggle")
    page.screenshot(path=str(ARTIFACTS / "api-user-menu.png"))
    page.get_by_role("button", name="Log out").click()  # a POST form now, not an onclick
    page.wait_for_url("**/api-auth/login/?next=/api/v1/frameworks/gdpr/")
    assert page.problems == []
