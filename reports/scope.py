"""What a report covers: a framework and/or explicit rules and data sources, over a period."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from common.access import AccessLevel
from compliance.models import ComplianceRule, DataSource


@dataclass(frozen=True)
class ReportScope:
    framework: object = None
    rule_ids: tuple = None  # None: every active rule (of the framework, if any)
    data_source_ids: tuple = None  # None: every data source
    end: datetime.datetime = field(default_factory=timezone.now)
    period_days: int = 30
    params: dict = field(default_factory=dict)
    # The report's own level: sections list only what readers at this level may read.
    access_level: str = AccessLevel.RESTRICTED

    @property
    def start(self):
        return self.end - datetime.timedelta(days=self.period_days)

    @property
    def previous_start(self):
        return self.start - datetime.timedelta(days=self.period_days)

    def rules(self):
        """Active rules in scope (a queryset, usable as a subquery)."""
        qs = ComplianceRule.objects.filter(is_active=True)
        if self.framework is not None:
            qs = qs.filter(framework=self.framework)
        if self.rule_ids is not None:
            qs = qs.filter(pk__in=self.rule_ids)
        return qs

    def data_sources(self):
        qs = DataSource.objects.all()
        if self.data_source_ids is not None:
            qs = qs.filter(pk__in=self.data_source_ids)
        return qs

    def score_kwargs(self):
        """Arguments for compliance.evaluations.tally: the same scope the dashboard would score."""
        return {
            "framework": self.framework,
            "rules": list(self.rule_ids) if self.rule_ids is not None else None,
            "data_sources": list(self.data_source_ids) if self.data_source_ids is not None else None,
        }

    def pair_filter(self, prefix=""):
        """Filter kwargs restricting rows with rule/data_source foreign keys to the scope."""
        kwargs = {f"{prefix}rule__in": self.rules()}
        if self.data_source_ids is not None:
            kwargs[f"{prefix}data_source__in"] = list(self.data_source_ids)
        return kwargs

    @classmethod
    def for_report(cls, report, *, end=None):
        rule_ids = tuple(report.rules.values_list("pk", flat=True))
        source_ids = tuple(report.data_sources.values_list("pk", flat=True))
        params = dict(report.parameters or {})
        return cls(
            framework=report.framework,
            rule_ids=rule_ids or None,
            data_source_ids=source_ids or None,
            end=end or timezone.now(),
            period_days=params.get("period_days", 30),
            params=params,
            access_level=report.access_level,
        )
