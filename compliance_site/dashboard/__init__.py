"""The dashboard that spans apps: compliance's figures beside the other apps' panels.

Each app offers its panel as a selector; only the site, which may import every app, puts
them together, for the API (/api/v1/analytics/dashboard/, /performance/) and the page.
"""

from datetime import timedelta

from django.utils import timezone

from compliance import analytics
from integrations import selectors as integrations
from reports import selectors as reports
from workflows import selectors as workflows


def dashboard_stats(*, user, now=None, tallies=None):
    """compliance.analytics.compliance_stats plus workflows, integrations and reports_last_30_days.

    The panels count and list only what `user` may read (their apps' visible_to).
    """
    now = now or timezone.now()
    return {
        **analytics.compliance_stats(now=now, tallies=tallies),
        "workflows": workflows.dashboard_summary(user=user),
        "integrations": integrations.health_summary(),
        "reports_last_30_days": reports.recent_reports(now=now, user=user, days=30),
    }


def performance_metrics(*, user, days=30, now=None):
    """compliance.analytics.evaluation_metrics plus syncs, report generation and workflow cycle times."""
    days = analytics.validate_days(days)
    now = now or timezone.now()
    since = now - timedelta(days=days)
    return {
        **analytics.evaluation_metrics(days=days, now=now),
        "syncs": integrations.sync_metrics(since=since),
        "report_generation": reports.generation_metrics(since=since, user=user),
        "workflow_cycle": workflows.cycle_times(since=since, user=user),
    }
