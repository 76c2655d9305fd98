"""Built-in templates: one default per report type, framework packs, idempotent."""

import pytest

from compliance.tests.factories import FrameworkFactory
from reports.choices import ReportType
from reports.models import ReportTemplate
from reports.seed import seed_builtin

pytestmark = pytest.mark.django_db


def test_seed_creates_every_default_and_the_framework_packs_once():
    soc2 = FrameworkFactory(code="soc2")
    first = seed_builtin()
    assert first == {"created": 12, "updated": 0, "unchanged": 0}
    assert seed_builtin() == {"created": 0, "updated": 0, "unchanged": 12}
    defaults = ReportTemplate.objects.filter(is_default=True)
    assert sorted(defaults.values_list("report_type", flat=True)) == sorted(ReportType.values)
    assert ReportTemplate.objects.get(slug="soc2-readiness").framework == soc2
    for slug in ("gdpr-compliance", "executive-summary", "pci-dss-assessment"):
        assert len(ReportTemplate.objects.get(slug=slug).sections) >= 4


def test_seed_restores_edited_builtin_content_and_bumps_the_version(capsys):
    import sys

    seed_builtin()
    template = ReportTemplate.objects.get(slug="executive-summary")
    template.sections = template.sections[:1]
    template.save()
    assert seed_builtin(stdout=sys.stdout)["updated"] == 1
    template.refresh_from_db()
    assert len(template.sections) == 4 and template.version == 2
    assert "1 updated" in capsys.readouterr().out
