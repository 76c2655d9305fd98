import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance_site.settings")
application = get_wsgi_application()

# A web worker keeps what it imported at start-up for life: load the URLconf (and with it
# every view) now, then move all of it out of the garbage collector's sight, as the Celery
# pool processes do (compliance_site/celery.py). A full collection otherwise walks every
# object Django loaded (~195,000): 142 ms here against ~0 after the freeze, and a 10,000-row
# bulk ingest allocates enough to set one off in most batches.
get_resolver().url_patterns  # noqa: B018 (imported for its side effect)
gc.collect()
gc.freeze()
