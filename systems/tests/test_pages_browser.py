"""The Key Security Indicator page in a real Chromium: the figures are the API's, no console errors."""

from datetime import timedelta

import pytest
from django.utils import timezone

from common.roles import VIEWER
from compliance.seed.content import seed_framework
from compliance.seed.frameworks import fedramp_ksi
from compliance.seed.tally import Tally
from compliance.tests.test_pages_browser import api, shot, sign_in, text, watch_console
from systems import ksi
from systems.models import KsiIndicator
from systems.tests.factories import make_system

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def system(role_user):
    role_user(VIEWER)
    fields, specs, extras = fedramp_ksi.load()
    seed_framework(fields=fields, specs=specs, tally=Tally(), log=lambda line: None, extra_fields=extras)
    system = make_system(name="Payments platform")
    ksi.enable_ksi(system=system)
    now = timezone.now()
    for n, indicator in enumerate(KsiIndicator.objects.select_related("system", "control").order_by("pk")[:40]):
        for kind in indicator.kinds:
            ksi.record_validation(
                indicator=indicator, kind=kind, passed=n % 7 != 3, validated_at=now - timedelta(hours=n % 5 * 20)
            )
    return system


def test_ksi_page_shows_the_summary_of_the_api(browser, live_server, system):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = watch_console(page)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/dashboard/systems/{system.pk}/ksi/")
    summary = api(page, live_server, f"/api/v1/systems/{system.pk}/ksi-summary/")
    assert text(page, '[data-metric="ksi_failing"]') == str(summary["failing"])
    assert text(page, '[data-metric="ksi_passing"]') == str(summary["passing"])
    assert summary["passing"] > 0 and summary["failing"] > 0
    assert page.locator("tr[data-indicator]").count() == 60
    row = summary["indicators"][0]
    assert text(page, f'tr[data-indicator="{row["id"]}"] .badge') == row["status"]
    shot(page, "ksi-summary")
    assert problems == []
