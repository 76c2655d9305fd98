"""The impact table: how much an action matters, by action name (and model for changes).

Callers of record_event may pass impact_level explicitly; otherwise it comes from here.
The same table is printed in docs/audit.md.
"""
from .choices import ImpactLevel

LOW, MEDIUM, HIGH, CRITICAL = ImpactLevel.LOW, ImpactLevel.MEDIUM, ImpactLevel.HIGH, ImpactLevel.CRITICAL

# (action, "app_label.model") for model changes; checked before ACTION_IMPACT.
MODEL_ACTION_IMPACT = {
    ("delete", "compliance.framework"): HIGH,
    ("delete", "compliance.compliancerule"): HIGH,
    ("delete", "compliance.control"): MEDIUM,
    ("delete", "reports.report"): MEDIUM,
    ("delete", "integrations.integration"): HIGH,
    ("update", "compliance.compliancerule"): MEDIUM,
    ("update", "auth.user"): HIGH,
    ("update", "auth.group"): HIGH,
    ("create", "auth.user"): MEDIUM,
    ("delete", "auth.user"): HIGH,
    ("delete", "auth.group"): HIGH,
}

ACTION_IMPACT = {
    # model changes (defaults)
    "create": LOW,
    "update": LOW,
    "delete": MEDIUM,
    # sessions
    "login": LOW,
    "logout": LOW,
    "login_failed": MEDIUM,
    "login_locked_out": HIGH,
    "permission_denied": MEDIUM,  # record_permission_denied lowers it to low for reads
    # the audit trail itself
    "audit_export": MEDIUM,
    "audit_purge": HIGH,
    "audit_checkpoint": LOW,
    # other apps' security events
    "report_download": MEDIUM,
    "report_generated": LOW,
    "credentials_set": CRITICAL,
    "credentials_rotated": CRITICAL,
    "credential_change": CRITICAL,
    "key_rotation": CRITICAL,
    "encryption_keys_rotated": CRITICAL,
    "connection_test": LOW,
    "integration_sync": LOW,
    "sync": LOW,
    "step_approved": MEDIUM,
    "step_rejected": MEDIUM,
    "approval": MEDIUM,
    "rejection": MEDIUM,
    "evaluations_recorded": LOW,
}


def impact_for(action, model_label=None):
    """The impact level of `action` (on a model labelled "app_label.model"); low if unknown."""
    if model_label is not None:
        level = MODEL_ACTION_IMPACT.get((action, model_label))
        if level is not None:
            return level
    return ACTION_IMPACT.get(action, LOW)
