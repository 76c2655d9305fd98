import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from compliance import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
        if create:
            self.save()


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Framework
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"fw{n}")
    name = factory.LazyAttribute(lambda f: f"Framework {f.code}")
    version = "1.0"


class ControlFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Control

    framework = factory.SubFactory(FrameworkFactory)
    ref_id = factory.Sequence(lambda n: f"C-{n}")
    title = factory.Sequence(lambda n: f"Control {n}")


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ComplianceRule
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Rule {n}")
    framework = factory.SubFactory(FrameworkFactory)
    severity = "medium"
    rule_type = "automated"

    @factory.post_generation
    def controls(self, create, extracted, **kwargs):
        if create and extracted:
            self.controls.set(extracted)


class DataSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DataSource

    name = factory.Sequence(lambda n: f"source-{n}")
    source_type = "server"


class ControlMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ControlMapping

    source = factory.SubFactory(ControlFactory)
    target = factory.SubFactory(ControlFactory)
    relationship = "equal"


def record(rule, data_source, status, at=None, score=None):
    """Record one evaluation through the real service."""
    from compliance.evaluations import EvaluationRow, record_evaluations

    row = EvaluationRow(
        rule_id=rule.pk,
        data_source_id=data_source.pk,
        status=status,
        score=score,
        evaluated_at=at or timezone.now(),
        details={},
        duration_ms=None,
        source="test",
    )
    return record_evaluations(rows=[row]).evaluations[0]


class FindingFactory(factory.django.DjangoModelFactory):
    """A finding made the way production makes one: by a failing evaluation."""

    class Meta:
        model = models.Finding

    @classmethod
    def _create(cls, model_class, *args, rule=None, data_source=None, **kwargs):
        rule = rule or RuleFactory()
        data_source = data_source or DataSourceFactory()
        record(rule, data_source, "failed")
        finding = model_class.objects.get(rule=rule, data_source=data_source)
        for name, value in kwargs.items():
            setattr(finding, name, value)
        if kwargs:
            finding.save()
        return finding
