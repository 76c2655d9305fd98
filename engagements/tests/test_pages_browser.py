"""The engagement's progress page in a real Chromium: the figures are the API's."""

from datetime import timedelta

import pytest
from django.utils import timezone

from common.roles import AUDITOR, COMPLIANCE_MANAGER
from common.testing.browser import ARTIFACTS
from compliance.tests.factories import ControlFactory, FrameworkFactory
from engagements.models import EvidenceRequest, SignOff

from .factories import EngagementFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def engagement(role_user):
    auditor, manager = role_user(AUDITOR), role_user(COMPLIANCE_MANAGER)
    framework = FrameworkFactory(code="soc2", name="SOC 2")
    controls = [ControlFactory(framework=framework, ref_id=f"CC{n}.1", title=f"Criterion {n}") for n in range(1, 5)]
    engagement = EngagementFactory(framework=framework, name="SOC 2 Type II 2026", auditors=[auditor])
    SignOff.objects.create(engagement=engagement, control=controls[0], result="effective", note="25 of 25 tested.")
    SignOff.objects.create(
        engagement=engagement, control=controls[1], result="exception", note="2 leavers kept access."
    )
    now = timezone.now()
    for control, due in ((controls[2], now - timedelta(days=2)), (controls[3], now + timedelta(days=5))):
        EvidenceRequest.objects.create(
            engagement=engagement, control=control, title=f"Evidence for {control.ref_id}", due_at=due, assignee=manager
        )
    return engagement


def test_the_progress_page_shows_the_api_figures(browser, live_server, engagement):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_label("Username").fill("role-auditor")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/dashboard/engagements/{engagement.pk}/")
    progress = page.request.get(f"{live_server.url}/api/v1/engagements/{engagement.pk}/progress/").json()

    def shown(metric):
        return page.locator(f'[data-metric="{metric}"]').first.inner_text().strip()

    assert shown("controls_tested") == str(progress["controls_tested"]) == "2"
    assert shown("controls_in_scope") == str(progress["controls_in_scope"]) == "4"
    assert shown("percent_tested") == f"{progress['percent_tested']}%"
    assert shown("requests_open") == str(progress["requests"]["open"]) == "2"
    assert shown("requests_overdue") == str(progress["requests"]["overdue"]) == "1"
    assert shown("exceptions") == str(progress["exceptions"]) == "1"
    assert page.locator("tr[data-request][data-overdue]").count() == 1
    assert page.locator("tr[data-control]").count() == 4
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "engagement-progress.png"), full_page=True)
    assert problems == []


def test_an_auditor_not_on_the_engagement_gets_a_404(client, engagement):
    from compliance.tests.factories import UserFactory

    outsider = UserFactory(username="outside-auditor", roles=[AUDITOR])
    client.force_login(outsider)
    assert client.get(f"/dashboard/engagements/{engagement.pk}/").status_code == 404
    assert client.get("/dashboard/engagements/999999/").status_code == 404
