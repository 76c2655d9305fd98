"""Read-side queries shared by the API, the admin and the dashboards."""
from django.db.models import Count, Q

from .choices import Health
from .models import Integration, IntegrationLog


def integrations_for_list():
    """Credentials stay unloaded: reads never need them, and a key problem must not
    turn every list or detail request into an error."""
    return Integration.objects.defer("credentials").prefetch_related("frameworks")


def logs_for(integration):
    return IntegrationLog.objects.filter(integration=integration)


def health_summary():
    """{"total", "healthy", "degraded", "unhealthy", "unknown", "error"} over all integrations."""
    totals = Integration.objects.aggregate(
        total=Count("id"),
        **{value: Count("id", filter=Q(health=value)) for value in Health.values},
        error=Count("id", filter=Q(status="error")),
    )
    return totals
