import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from common.startup import freeze_start_up_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance_site.settings")
application = get_wsgi_application()

# Load the URLconf (and with it every view) now, then freeze it all with the rest of
# start-up, as the Celery pool processes do (common/startup.py says why).
get_resolver().url_patterns  # noqa: B018 (imported for its side effect)
freeze_start_up_objects()
