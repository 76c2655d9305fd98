"""FastReadMixin (common/api/representation.py) must produce exactly DRF's output.

Each serializer that uses it is compared with DRF's own Serializer.to_representation on
the same bound fields, for single rows and for pages, with nulls, empty values, nested
JSON, several many-to-many rows in their model order, and prefetched rows.
"""

import importlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers

from common.api import representation
from common.api.representation import FastReadMixin
from compliance import models

from .factories import (
    ControlFactory,
    ControlMappingFactory,
    DataSourceFactory,
    FindingFactory,
    FrameworkFactory,
    RuleFactory,
    UserFactory,
    record,
)


def drf_representation(serializer_class, instance):
    """What DRF alone would produce with the same serializer's fields."""
    return serializers.Serializer.to_representation(serializer_class(), instance)


def all_fast_serializers():
    found, pending = set(), [FastReadMixin]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if issubclass(sub, serializers.ModelSerializer):
                found.add(sub)
    return found


@pytest.fixture
def rows(db):
    """A few rows of every compliance model, with awkward values."""
    framework = FrameworkFactory(code="soc2", description="", version="")
    other = FrameworkFactory(code="iso27001", description='Ünïcode ✓ "quoted"')
    controls = [ControlFactory(framework=framework, sort_order=order, ref_id=f"CC{order}") for order in (3, 1, 2)]
    ControlFactory(framework=other, parent=None, parameters=[{"id": "p1", "values": [1, 2.5, None]}])
    rules = [
        RuleFactory(framework=framework, controls=controls, tags=["b", "a"], description=""),
        RuleFactory(framework=framework, controls=[], tags=[]),
        RuleFactory(framework=framework, controls=controls[:1], is_active=False, severity="critical"),
    ]
    sources = [DataSourceFactory(owner=None, tags=["prod"]), DataSourceFactory(owner=UserFactory())]
    record(rules[0], sources[0], "failed", score=12.5)
    record(rules[0], sources[1], "passed", score=None)
    record(rules[1], sources[0], "not_applicable", at=timezone.now() - timedelta(days=3, microseconds=7))
    FindingFactory(
        rule=rules[2], data_source=sources[1], due_at=timezone.now() + timedelta(days=2), assigned_to=UserFactory()
    )
    ControlMappingFactory(source=controls[0], target=ControlFactory(framework=other), rationale="")
    ControlMappingFactory(source=controls[1], target=controls[2], relationship="subset", rationale="Partly.")
    FindingFactory(rule=rules[0], data_source=sources[0], notes="")
    return rules


SERIALIZED_MODELS = {
    "FrameworkSerializer": lambda: models.Framework.objects.all(),
    "ControlMappingSerializer": lambda: models.ControlMapping.objects.all(),
    "ComplianceRuleSerializer": lambda: models.ComplianceRule.objects.select_related("framework"),
    "DataSourceSerializer": lambda: models.DataSource.objects.all(),
    "RuleEvaluationSerializer": lambda: models.RuleEvaluation.objects.all(),
    "FindingSerializer": lambda: models.Finding.objects.with_framework_code(),
}


def compliance_serializers():
    from compliance.api import serializers as module

    return [getattr(module, name) for name in SERIALIZED_MODELS]


@pytest.mark.parametrize("serializer_class", compliance_serializers(), ids=lambda cls: cls.__name__)
def test_rows_and_pages_equal_drf(rows, serializer_class):
    queryset = SERIALIZED_MODELS[serializer_class.__name__]()
    instances = list(queryset)
    assert len(instances) >= 2, "every model needs rows for a meaningful comparison"
    assert representation._plan(serializer_class) is not None, "expected a compiled plan"
    expected = [drf_representation(serializer_class, instance) for instance in queryset]
    assert [serializer_class(instance).data for instance in instances] == expected
    page = serializer_class(list(queryset), many=True).data
    assert page == expected
    assert [list(row) for row in page] == [list(row) for row in expected]  # same key order


def test_page_of_rules_reads_control_ids_with_one_query(rows, django_assert_num_queries):
    from compliance.api.serializers import ComplianceRuleSerializer

    page = list(models.ComplianceRule.objects.select_related("framework"))
    with django_assert_num_queries(1):
        data = ComplianceRuleSerializer(page, many=True).data
    expected = {rule.pk: [control.pk for control in rule.controls.all()] for rule in rows}
    assert {row["id"]: row["controls"] for row in data} == expected
    assert any(len(ids) == 3 for ids in expected.values())


def test_prefetched_rows_are_not_read_again(rows, django_assert_num_queries):
    from compliance.api.serializers import ComplianceRuleSerializer

    page = list(models.ComplianceRule.objects.select_related("framework").prefetch_related("controls"))
    with django_assert_num_queries(0):
        data = ComplianceRuleSerializer(page, many=True).data
    assert data == [drf_representation(ComplianceRuleSerializer, rule) for rule in page]


def test_a_finding_without_the_annotation_still_names_its_framework(rows):
    from compliance.api.serializers import FindingSerializer

    finding = models.Finding.objects.first()
    assert FindingSerializer(finding).data["framework"] == finding.rule.framework.code == "soc2"


def test_an_unsaved_instance_has_no_related_ids(db):
    from compliance.api.serializers import ComplianceRuleSerializer

    rule = models.ComplianceRule(name="draft", framework=FrameworkFactory())
    assert ComplianceRuleSerializer(rule).data["controls"] == []


def test_serializers_with_uncompilable_fields_keep_drfs_path(rows):
    class WithMethod(FastReadMixin, serializers.ModelSerializer):
        shout = serializers.SerializerMethodField()

        class Meta:
            model = models.Framework
            fields = ["id", "code", "shout"]

        def get_shout(self, obj):
            return obj.code.upper()

    assert representation._plan(WithMethod) is None
    framework = models.Framework.objects.get(code="soc2")
    assert WithMethod(framework).data == {"id": framework.pk, "code": "soc2", "shout": "SOC2"}
    assert WithMethod([framework], many=True).data == [{"id": framework.pk, "code": "soc2", "shout": "SOC2"}]


def test_every_fast_serializer_in_the_project_is_compared_with_drf():
    """A serializer that adopts the mixin must join a comparison like the one above."""
    for app in ("compliance", "audit", "reports", "workflows", "integrations"):
        importlib.import_module(f"{app}.api.serializers")
    compared = {cls.__name__ for cls in compliance_serializers()} | COMPARED_ELSEWHERE
    adopted = {cls.__name__ for cls in all_fast_serializers()} - {"WithMethod"}
    assert adopted <= compared, f"compare these with DRF's output: {sorted(adopted - compared)}"


# Serializers of other apps that use the mixin, by name, with the test that compares them.
COMPARED_ELSEWHERE = {
    "AuditLogSerializer",  # audit/tests/test_api.py::test_entries_read_as_drf_would
    "TreeCheckpointSerializer",  # audit/tests/test_transparency.py::test_checkpoints_and_keys_read_as_drf_would
    "SigningKeySerializer",  # the same test
}
