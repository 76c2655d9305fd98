"""What a sync read, kept as evidence: the vendor's own responses, compressed, as one item.

The pull step switches the client's transcript on; after a successful run the calls and
their bodies (credentials scrubbed by the client) become one gzip'd JSON evidence item,
collected by the integration with the sync log's id, linked to the controls of the rules
the run fed. Deterministic bytes (sorted keys, gzip mtime 0): the same responses hash the same.
"""

import gzip
import json
import logging

from django.core.files.base import ContentFile
from django.utils import timezone

from common.access import AccessLevel
from compliance.evidence.services import add_evidence
from compliance.models import Control

logger = logging.getLogger(__name__)


def start_recording(client):
    """Have `client` record its successful reads; return the list they are appended to."""
    client.transcript = []
    return client.transcript


def stop_recording(client):
    client.transcript = None


def snapshot_evidence(*, integration, log, calls, rules_fed):
    """Store `calls` (a client's transcript) as evidence for the run logged as `log`; None when there are none."""
    if not calls:
        return None
    document = {
        "integration": {"id": integration.pk, "name": integration.name, "provider": integration.provider},
        "sync_log": log.pk,
        "calls": calls,
    }
    data = gzip.compress(json.dumps(document, sort_keys=True, default=str).encode(), mtime=0)
    summary = [
        f"{call['method']} {call['url']}" if "method" in call else f"{integration.provider}:{call['operation']}"
        for call in calls
    ]
    controls = list(Control.objects.filter(rules__in=rules_fed).distinct().values_list("pk", flat=True))
    now = timezone.now()
    valid_for = (integration.config or {}).get("evidence_valid_for_days")
    return add_evidence(
        data={
            "name": f"{integration.name}: sync {log.pk} snapshot",
            "description": f"{len(calls)} vendor responses read by sync {log.pk}, gzip-compressed JSON.",
            "controls": controls,
            "rules": sorted(rules_fed),
            "collected_at": now,
            "covers_from": now.date(),
            "covers_to": now.date(),
            "source": "\n".join(summary)[:10000],
            "valid_for_days": valid_for if isinstance(valid_for, int) and valid_for > 0 else None,
            "access_level": AccessLevel.CONFIDENTIAL,
            "tags": ["integration", integration.provider],
        },
        upload=ContentFile(data, name=f"sync-{log.pk}.json.gz"),
        media_type="application/gzip",
        integration_id=integration.pk,
        sync_log_id=log.pk,
    )
