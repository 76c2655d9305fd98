"""The only URL fetcher WeasyPrint gets: our static files and data: URIs, nothing else.

Everything else — file:///etc/passwd, http://169.254.169.254/, /dev/urandom, a remote
@import — is refused before any I/O, and the document still renders without it.
"""

import logging
import mimetypes
import os
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders

# WeasyPrint logs every layout step at INFO; a worker log needs only its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402  (after the log level)

logger = logging.getLogger(__name__)

# Relative references resolve against this base; `.invalid` can never resolve in DNS.
STATIC_BASE = "https://static.invalid/static/"
MAX_ASSET_BYTES = 5 * 1024 * 1024


class RefusedURL(ValueError):
    pass


class SafeURLFetcher(URLFetcher):
    """Serves `data:` URIs (decoded by urllib, no I/O) and files the static finders know."""

    def __init__(self):
        super().__init__(timeout=1, allowed_protocols=("data",), allow_redirects=False)
        self.refused = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(STATIC_BASE):
            return self._static(url)
        self.refused.append(url)
        logger.warning("report renderer refused to fetch %s", url[:200])
        raise RefusedURL(f"Refused to fetch {url[:200]}")

    def _static(self, url):
        relative = unquote(urlsplit(url).path)[len("/static/") :]
        if not relative or ".." in relative.split("/"):
            self.refused.append(url)
            raise RefusedURL(f"Refused static path {relative[:200]}")
        path = finders.find(relative)
        if not path or not os.path.isfile(path) or os.path.getsize(path) > MAX_ASSET_BYTES:
            self.refused.append(url)
            raise RefusedURL(f"No such static file {relative[:200]}")
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})
