import pytest
from django.test import override_settings


@pytest.fixture(autouse=True)
def distribution_domains(settings):
    """The tests' example.com addresses are the organisation's own (reports/recipients.py)."""
    settings.REPORT_DISTRIBUTION_DOMAINS = ["example.com"]


@pytest.fixture(autouse=True)
def report_storage(tmp_path):
    """Each test writes report files into its own private folder."""
    with override_settings(REPORTS_STORAGE_DIR=tmp_path / "reports"):
        yield tmp_path / "reports"


@pytest.fixture
def compliance_data(db):
    """Two frameworks, rules of every severity, three data sources, mixed latest results."""
    from compliance.tests.factories import ControlFactory, DataSourceFactory, FrameworkFactory, RuleFactory, record

    soc2 = FrameworkFactory(code="soc2", name="SOC 2")
    iso = FrameworkFactory(code="iso27001", name="ISO 27001")
    controls = [ControlFactory(framework=soc2, ref_id=f"CC{i}.1", title=f"Criterion {i}") for i in range(1, 5)]
    iso_control = ControlFactory(framework=iso, ref_id="A.5.1", title="Policies")
    sources = [DataSourceFactory(name=f"prod-{i}") for i in range(3)]
    rules = [
        RuleFactory(framework=soc2, name="MFA enforced", severity="critical", controls=[controls[0]]),
        RuleFactory(framework=soc2, name="Backups encrypted", severity="high", controls=[controls[1]]),
        RuleFactory(framework=soc2, name="Logs retained", severity="medium", controls=[controls[2]]),
        RuleFactory(framework=iso, name="Policy reviewed", severity="low", controls=[iso_control]),
    ]
    outcomes = {
        0: ["failed", "passed", "passed"],
        1: ["passed", "failed", "passed"],
        2: ["passed", "passed", "not_applicable"],
        3: ["passed", "error", "passed"],
    }
    for r, statuses in outcomes.items():
        for source, status in zip(sources, statuses, strict=True):
            record(rules[r], source, status)
    return {"soc2": soc2, "iso": iso, "rules": rules, "sources": sources, "controls": controls}
