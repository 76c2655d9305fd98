"""What belongs to a system for assessment: the rules and data sources of its components and indicators."""

from compliance.models import ComplianceRule, DataSource

from ..models import Component, KsiIndicator


def system_rules(system):
    ids = set(
        Component.rules.through.objects.filter(component__system=system).values_list("compliancerule_id", flat=True)
    )
    ids |= set(KsiIndicator.objects.filter(system=system, rule__isnull=False).values_list("rule_id", flat=True))
    return ComplianceRule.objects.filter(pk__in=ids)


def system_data_sources(system):
    ids = set(
        Component.data_sources.through.objects.filter(component__system=system).values_list("datasource_id", flat=True)
    )
    if system.data_source_id:
        ids.add(system.data_source_id)
    return DataSource.objects.filter(pk__in=ids)
