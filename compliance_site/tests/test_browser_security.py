"""The admin, the API docs and the error page in a real Chromium under our CSP: no console
errors (a CSP violation is one), assets served locally. Screenshots in test-artifacts/."""
import pytest

from compliance.roles import COMPLIANCE_ADMIN
from testing.browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def page(browser, live_server):
    page = browser.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    # Anything not on the live server (a CDN, a font host) is a failure, not a fetch.
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
               else (page.problems.append(f"external request {route.request.url}"), route.abort()))
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
    page.screenshot(path=str(ARTIFACTS / "admin-index.png"), full_page=True)
    for path in ("/admin/compliance/compliancerule/", "/admin/compliance/compliancerule/add/",
                 "/admin/compliance/finding/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / "admin-findings.png"), full_page=True)
    assert page.problems == []


def test_api_docs_render_from_local_assets_under_the_csp(page, live_server, role_user):
    sign_in_to_admin(page, live_server, role_user)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert page.locator(".opblock-summary-path", has_text="/api/v1/evaluations/bulk/").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
    assert page.problems == []
