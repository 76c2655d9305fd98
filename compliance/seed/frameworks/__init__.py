"""Built-in framework content, one module per framework (FRAMEWORK dict + OUTLINE text)."""

from ..outline import parse_outline
from . import gdpr, hipaa, iso27001, nist_csf, pci_dss, soc2

_MODULES = (soc2, gdpr, pci_dss, iso27001, hipaa, nist_csf)


def builtin_frameworks():
    """[(framework_fields, [ControlSpec, ...])] for every built-in framework, in seeding order."""
    return [(dict(module.FRAMEWORK), parse_outline(module.OUTLINE)) for module in _MODULES]
