"""The coverage section shows each control's derived state, stale apart from failing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.tests.factories import ControlFactory, DataSourceFactory, FrameworkFactory, RuleFactory, record
from reports.scope import ReportScope
from reports.sections.coverage import framework_coverage

pytestmark = pytest.mark.django_db


def test_stale_controls_are_counted_apart_from_failing():
    framework = FrameworkFactory()
    failing, stale, passing = (ControlFactory(framework=framework, ref_id=ref) for ref in ("A", "B", "C"))
    stale.test_cadence_hours = 24
    stale.save()
    source = DataSourceFactory()
    record(RuleFactory(framework=framework, controls=[failing]), source, "failed")
    record(RuleFactory(framework=framework, controls=[stale]), source, "passed", at=timezone.now() - timedelta(days=3))
    record(RuleFactory(framework=framework, controls=[passing]), source, "passed")
    result = framework_coverage(ReportScope(framework=framework), {})
    assert {row["control"]: row["state"] for row in result.rows} == {"A": "failing", "B": "stale", "C": "passing"}
    figures = dict(result.figures)
    assert figures["Failing"] == 1 and figures["Stale"] == 1
    assert ("state", "State") in result.columns
