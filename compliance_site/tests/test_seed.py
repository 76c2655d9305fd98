"""seed_compliance: content sanity, idempotence, and the built-in / user-made boundary."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from common.roles import BUILTIN_ROLES
from compliance.models import Control, ControlMapping, Framework
from compliance.seed.mappings import builtin_mappings
from compliance.seed.outline import parse_outline
from compliance.tests.factories import ControlFactory, FrameworkFactory

pytestmark = pytest.mark.django_db

# (testable controls, families/categories) per built-in framework.
EXPECTED = {
    "soc2": (61, 21),  # CC1–CC9, A1, C1, PI1, P with P1–P8
    "gdpr": (40, 4),  # obligation-bearing articles in chapters II–V
    "pci_dss": (63, 12),  # 12 requirements and their sub-requirements
    "iso27001": (93, 4),  # Annex A: 37 + 8 + 14 + 34
    "hipaa": (61, 5),  # 22 standards + 39 implementation specifications
    "nist_csf": (106, 28),  # 6 functions + 22 categories; 106 subcategories
    "nist_800_53_rev5": (287, 18),  # the MODERATE baseline: every LOW and MODERATE control and enhancement
    "fedramp_20x_ksi": (60, 11),  # FRMR 0.9.43-beta: 60 indicators in 11 themes
}


def seed(*args):
    out = StringIO()
    call_command("seed_compliance", *args, stdout=out)
    return out.getvalue()


def counts():
    return {
        "frameworks": Framework.objects.count(),
        "controls": Control.objects.count(),
        "mappings": ControlMapping.objects.count(),
        "groups": Group.objects.count(),
    }


def test_each_framework_has_its_published_number_of_controls():
    seed()
    for code, (controls, families) in EXPECTED.items():
        framework = Framework.objects.get(code=code)
        assert framework.is_builtin
        assert framework.controls.filter(is_group=False).count() == controls, code
        assert framework.controls.filter(is_group=True).count() == families, code
    iso_themes = Control.objects.filter(framework__code="iso27001", parent__ref_id="A.8")
    assert iso_themes.count() == 34
    csf = Framework.objects.get(code="nist_csf")
    assert set(csf.controls.filter(parent=None).values_list("ref_id", flat=True)) == {
        "GV",
        "ID",
        "PR",
        "DE",
        "RS",
        "RC",
    }
    assert Control.objects.get(framework=csf, ref_id="PR.AA-01").parent.ref_id == "PR.AA"
    pci_8 = Control.objects.get(framework__code="pci_dss", ref_id="8")
    assert pci_8.is_group and pci_8.children.count() == 6


def test_second_run_creates_nothing():
    first_output = seed()
    after_first = counts()
    second_output = seed()
    assert counts() == after_first
    assert "created: 0" in second_output
    assert "updated: 0" in second_output
    assert "created: 0" not in first_output


def test_every_builtin_mapping_resolves_to_two_builtin_controls():
    seed()
    shipped = set(Control.objects.filter(framework__code="nist_800_53_rev5").values_list("ref_id", flat=True))
    # KSI references to controls outside the MODERATE baseline (HIGH-only, PM) have no target shipped.
    resolvable = [
        spec for spec in builtin_mappings() if spec.target[0] != "nist_800_53_rev5" or spec.target[1] in shipped
    ]
    unshipped = {spec.target for spec in builtin_mappings()} - {spec.target for spec in resolvable}
    assert len(unshipped) == 29 and ("nist_800_53_rev5", "ac-2.6") in unshipped
    assert ControlMapping.objects.count() == len(resolvable)
    mapping = ControlMapping.objects.get(
        source__framework__code="pci_dss",
        source__ref_id="8.4",
        target__framework__code="iso27001",
        target__ref_id="A.8.5",
    )
    assert mapping.relationship == "subset"
    assert "authentication" in mapping.rationale


def test_builtin_roles_are_created_with_permissions():
    seed()
    for role in BUILTIN_ROLES:
        assert Group.objects.get(name=role).permissions.exists()


def test_builtin_content_is_brought_back_to_the_shipped_version():
    seed()
    control = Control.objects.get(framework__code="iso27001", ref_id="A.5.15")
    shipped_title = control.title
    control.title = "Edited by hand"
    control.save()
    Framework.objects.filter(code="iso27001").update(name="Renamed")

    output = seed()

    control.refresh_from_db()
    assert control.title == shipped_title
    assert Framework.objects.get(code="iso27001").name == "ISO/IEC 27001"
    assert "updated: 2 (control 1, framework 1)" in output


def test_user_made_content_is_never_touched():
    user_framework = FrameworkFactory(code="gdpr", name="Our own GDPR checklist", is_builtin=False)
    own_control = ControlFactory(framework=user_framework, ref_id="Art.5", title="Our wording")
    seed()
    extra = ControlFactory(framework=Framework.objects.get(code="soc2"), ref_id="CUSTOM-1", title="Ours")

    output = seed()

    user_framework.refresh_from_db()
    own_control.refresh_from_db()
    assert user_framework.name == "Our own GDPR checklist" and not user_framework.is_builtin
    assert own_control.title == "Our wording"
    assert user_framework.controls.count() == 1
    assert Control.objects.filter(pk=extra.pk, title="Ours").exists()
    assert "gdpr: a user-made framework has this code; left alone" in output
    # Mappings that would point into the user's framework are skipped, not created.
    assert not ControlMapping.objects.filter(source__framework=user_framework).exists()
    assert not ControlMapping.objects.filter(target__framework=user_framework).exists()


def test_outline_parser_rejects_malformed_and_duplicate_lines():
    assert [s.parent_ref for s in parse_outline("+ A | Fam\n  - A.1 | One\n  - A.2 | Two\n- B | Top")] == [
        None,
        "A",
        "A",
        None,
    ]
    with pytest.raises(ValueError, match="line 1"):
        parse_outline("* A | bad marker")
    with pytest.raises(ValueError, match="duplicate"):
        parse_outline("- A | One\n- A | Again")
    with pytest.raises(ValueError):
        parse_outline("- A missing separator")


def test_other_apps_templates_and_catalog_are_seeded_and_audited():
    from audit.models import AuditLog

    output = seed()
    assert "report template" in output and "workflow template" in output
    assert "integration catalog: " in output
    assert AuditLog.objects.filter(action="seeded", object_id=str(Framework.objects.get(code="soc2").pk)).exists()
    seeded_entries = AuditLog.objects.filter(action="seeded").count()
    assert seeded_entries == 9  # one per framework (8) and one for the mappings
    assert "created: 0" in seed()
    assert AuditLog.objects.filter(action="seeded").count() == seeded_entries  # a no-op run says nothing


def test_a_no_op_reseed_of_content_costs_a_few_queries_per_framework(django_assert_max_num_queries):
    from compliance.seed.content import seed_frameworks, seed_mappings
    from compliance.seed.tally import Tally

    seed()
    # Per framework: savepoint, framework, its controls, release; then the same for mappings.
    # Independent of how many controls a framework has (they are compared in memory).
    with django_assert_max_num_queries(4 * len(EXPECTED) + 4):
        seed_frameworks(tally=Tally(), log=lambda line: None)
        seed_mappings(tally=Tally(), log=lambda line: None)
