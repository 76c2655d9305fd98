"""Which models are audited, which of their fields are left out or masked, and how much a
change of each matters.

The audit app names no domain model: each app registers its own models from its
AppConfig.ready(), the way django-auditlog's registry works. `register_app` audits every
concrete model of an app except those it excludes, so a model an app adds later is
covered unless the app decides otherwise; `register` adds single models (audit itself
registers Django's users and roles). Secret-looking field names are masked whatever is
declared. Registering connects the model's receivers at once.
"""

from dataclasses import dataclass, field
from types import MappingProxyType

from django.apps import apps

# Field names containing any of these are masked in every entry, always.
ALWAYS_MASKED = ("password", "secret", "token", "credential", "api_key", "private_key")
MASK = "********"


@dataclass(frozen=True)
class ModelOptions:
    exclude_fields: tuple = ()
    mask_fields: tuple = ()
    # action ("create", "update", "delete") -> impact level, over the defaults of audit/impact.py
    impacts: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self):
        object.__setattr__(self, "impacts", MappingProxyType(dict(self.impacts)))


@dataclass
class AuditedModel:
    model: type
    fields: tuple  # (name, attname) of concrete fields recorded
    masked: frozenset = field(default_factory=frozenset)
    attnames: tuple = ()
    json_attnames: tuple = ()
    auto_now_attnames: frozenset = field(default_factory=frozenset)  # left out of update diffs
    impacts: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

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
        impacts=options.impacts,
    )


_registry = {}


def _auditable(model):
    meta = model._meta
    return not (meta.abstract or meta.proxy or meta.auto_created or not meta.managed)


def register(model, options=None):
    """Audit `model` (a class or "app_label.Model") from now on; returns its spec."""
    if isinstance(model, str):
        model = apps.get_model(model)
    if not _auditable(model):
        raise ValueError(f"{model._meta.label} is not a concrete, managed model and cannot be audited.")
    spec = build(model, options or ModelOptions())
    _registry[model] = spec
    from .receivers import connect_model  # the receivers read this registry: connect once it holds the spec

    connect_model(model, spec)
    return spec


def register_app(app_label, *, exclude=(), options=None):
    """Audit every concrete model of an app except `exclude` (model classes).

    `options`: {model class: ModelOptions} for the models that need more than the default.
    Returns the models registered.
    """
    options = options or {}
    unknown = [m for m in (*exclude, *options) if m._meta.app_label != app_label]
    if unknown:
        raise ValueError(f"{app_label} can only register its own models, not {unknown}.")
    registered = []
    for model in apps.get_app_config(app_label).get_models():
        if model in exclude or not _auditable(model):
            continue
        register(model, options.get(model))
        registered.append(model)
    return registered


def get(model):
    return _registry.get(model)


def audited_models():
    return list(_registry)


def is_masked_name(name):
    lowered = name.lower()
    return any(word in lowered for word in ALWAYS_MASKED)
