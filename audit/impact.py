"""The impact table: how much an action matters, by action name (and model for changes).

Callers of record_event may pass impact_level explicitly; otherwise it comes from here.
Model changes take their model's registered impacts first (audit.registry.ModelOptions),
other actions the table below, which apps extend with their own security events through
`register_actions` in their AppConfig.ready(). docs/audit.md prints the whole table.
"""

from . import registry
from .choices import ImpactLevel

LOW, MEDIUM, HIGH, CRITICAL = ImpactLevel.LOW, ImpactLevel.MEDIUM, ImpactLevel.HIGH, ImpactLevel.CRITICAL

_ACTION_IMPACT = {
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
}


def register_actions(impacts):
    """Add an app's own actions {action: impact level}; an action already known keeps its level
    unless the same level is registered again (two apps must not disagree silently)."""
    for action, level in impacts.items():
        known = _ACTION_IMPACT.get(action)
        if known is not None and known != level:
            raise ValueError(f"audit action {action!r} is already registered with impact {known}, not {level}.")
        _ACTION_IMPACT[action] = ImpactLevel(level)


def action_impacts():
    """The whole action table, for docs and tests."""
    return dict(_ACTION_IMPACT)


def impact_for(action, model=None):
    """The impact level of `action` (on an instance of `model`, if any); low if unknown."""
    if model is not None:
        spec = registry.get(model)
        if spec is not None:
            level = spec.impacts.get(action)
            if level is not None:
                return level
    return _ACTION_IMPACT.get(action, LOW)
