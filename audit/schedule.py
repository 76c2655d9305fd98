"""Beat entries of the audit app (merged by compliance_site.celery)."""

from django.conf import settings

_TREE_EVERY = float(getattr(settings, "AUDIT_CHECKPOINT_INTERVAL_SECONDS", 60))

BEAT_SCHEDULE = {
    # The signed tree head a third party can check proofs against (audit/transparency.py).
    "audit-tree-checkpoint": {
        "task": "audit.publish_tree_checkpoint",
        "schedule": _TREE_EVERY,
        "options": {"expires": max(_TREE_EVERY - 5, 1)},
    },
    # OCSF events to the SIEM's syslog collector (audit/forwarding.py); idle without one.
    "audit-forward-syslog": {
        "task": "audit.forward_syslog",
        "schedule": float(getattr(settings, "AUDIT_SYSLOG_INTERVAL_SECONDS", 10)),
        "options": {"expires": 60},
    },
    # Signed checkpoints bound how much of the chain an attacker could rewrite unnoticed.
    "audit-checkpoint": {"task": "audit.checkpoint", "schedule": 3600.0, "options": {"expires": 3000}},
    "audit-purge": {"task": "audit.purge", "schedule": 86400.0, "options": {"expires": 43200}},
}
