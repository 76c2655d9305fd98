"""The provider catalog: every connector registers here, and everything else asks here."""

from importlib import import_module

_PROVIDERS = {}

PROVIDER_MODULES = (
    "integrations.providers.servicenow",
    "integrations.providers.jira",
    "integrations.providers.splunk",
    "integrations.providers.aws_config",
    "integrations.providers.azure_policy",
    "integrations.providers.gcp_scc",
)


class UnknownProvider(LookupError):
    pass


def register(provider_class):
    """Class decorator: add one provider instance to the catalog under its slug."""
    provider = provider_class()
    if not provider.slug or provider.slug in _PROVIDERS:
        raise ValueError(f"Provider slug {provider.slug!r} is empty or already registered.")
    _PROVIDERS[provider.slug] = provider
    return provider_class


def load():
    for module in PROVIDER_MODULES:
        import_module(module)


def get(slug):
    if not _PROVIDERS:
        load()
    try:
        return _PROVIDERS[slug]
    except KeyError:
        raise UnknownProvider(f"Unknown provider {slug!r}; choose one of {', '.join(sorted(_PROVIDERS))}.") from None


def all_providers():
    if not _PROVIDERS:
        load()
    return [_PROVIDERS[slug] for slug in sorted(_PROVIDERS)]


def choices():
    return [(p.slug, p.name) for p in all_providers()]
