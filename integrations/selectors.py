"""Read-side queries shared by the API and the admin."""
from .models import Integration, IntegrationLog


def integrations_for_list():
    """Credentials stay unloaded: reads never need them, and a key problem must not
    turn every list or detail request into an error."""
    return Integration.objects.defer("credentials").prefetch_related("frameworks")


def logs_for(integration):
    return IntegrationLog.objects.filter(integration=integration)
