"""Which models are audited, and which of their fields are left out or masked.

By default every concrete model of the domain apps is audited, so a model another app
adds is covered without touching this file. Overrides below take models out (derived or
bulk state, and tables that are logs themselves) or add models of other apps (users and
roles are security-relevant). Secret-looking field names are masked whatever is declared.
"""
from dataclasses import dataclass, field

from django.apps import apps

DEFAULT_APPS = ("compliance", "reports", "workflows", "integrations")

# Field names containing any of these are masked in every entry, always.
ALWAYS_MASKED = ("password", "secret", "token", "credential", "api_key", "private_key")
MASK = "********"


@dataclass(frozen=True)
class ModelOptions:
    audited: bool = True
    exclude_fields: tuple = ()
    mask_fields: tuple = ()


# "app_label.model_name" -> options. Decisions (docs/audit.md, "What is audited"):
OVERRIDES = {
    # Derived or bulk state: the ingest service writes one entry per batch with counts.
    "compliance.ruleevaluation": ModelOptions(audited=False),
    "compliance.latestevaluation": ModelOptions(audited=False),
    "compliance.evaluationrollup": ModelOptions(audited=False),
    "compliance.lateststatuscount": ModelOptions(audited=False),
    "compliance.statuschange": ModelOptions(audited=False),
    "compliance.statuschangerollup": ModelOptions(audited=False),
    # Sync dedup keys, written by raw INSERT; audited, deleting an integration would load
    # every key to write an entry per key instead of one cascading DELETE.
    "integrations.synckey": ModelOptions(audited=False),
    # History rows written alongside an audited status change: a log of a log.
    "workflows.workflowtransition": ModelOptions(audited=False),
    # Who may do what is the first thing an auditor asks about.
    "auth.user": ModelOptions(exclude_fields=("last_login",)),
    "auth.group": ModelOptions(),
    # Bookkeeping that changes on every read or sync and says nothing about intent.
    "integrations.integration": ModelOptions(exclude_fields=("sync_lock_until", "sync_lock_owner")),
}


def _is_log_table(model):
    # Tables that are themselves logs (IntegrationLog, …) would only audit the logging.
    return model.__name__.endswith("Log")


@dataclass
class AuditedModel:
    model: type
    fields: tuple  # (name, attname) of concrete fields recorded
    masked: frozenset = field(default_factory=frozenset)
    attnames: tuple = ()
    json_attnames: tuple = ()
    auto_now_attnames: frozenset = field(default_factory=frozenset)  # left out of update diffs

    @property
    def label(self):
        return self.model._meta.label_lower


def _is_masked(name, declared):
    lowered = name.lower()
    return name in declared or any(word in lowered for word in ALWAYS_MASKED)


def build(model, options):
    concrete = [f for f in model._meta.concrete_fields if f.name not in options.exclude_fields]
    masked = frozenset(f.name for f in concrete if _is_masked(f.name, options.mask_fields))
    return AuditedModel(
        model=model,
        fields=tuple((f.name, f.attname) for f in concrete),
        masked=masked,
        attnames=tuple(f.attname for f in concrete),
        json_attnames=tuple(f.attname for f in concrete if f.get_internal_type() == "JSONField"),
        auto_now_attnames=frozenset(f.attname for f in concrete if getattr(f, "auto_now", False)),
    )


_registry = {}


def discover():
    """Fill the registry from the installed apps (called once from AuditConfig.ready)."""
    _registry.clear()
    candidates = []
    for app_label in DEFAULT_APPS:
        try:
            candidates.extend(apps.get_app_config(app_label).get_models())
        except LookupError:
            continue
    for label in OVERRIDES:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if model not in candidates:
            candidates.append(model)
    for model in candidates:
        meta = model._meta
        if meta.abstract or meta.proxy or meta.auto_created or not meta.managed:
            continue
        options = OVERRIDES.get(meta.label_lower)
        if options is None:
            if _is_log_table(model):
                continue
            options = ModelOptions()
        if options.audited:
            _registry[model] = build(model, options)
    return _registry


def get(model):
    return _registry.get(model)


def audited_models():
    return list(_registry)


def is_masked_name(name):
    lowered = name.lower()
    return any(word in lowered for word in ALWAYS_MASKED)
