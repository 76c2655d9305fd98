"""Built-in framework content: outline modules (FRAMEWORK dict + OUTLINE text) and shipped
public-domain documents (NIST SP 800-53 rev5, FedRAMP 20x KSI) read by their own loaders."""

from ..outline import parse_outline
from . import fedramp_ksi, gdpr, hipaa, iso27001, nist_800_53, nist_csf, pci_dss, soc2

_MODULES = (soc2, gdpr, pci_dss, iso27001, hipaa, nist_csf)
# Loaded from the shipped documents; NIST first, so the KSI mappings find their targets.
_DOCUMENT_LOADERS = (nist_800_53.load, fedramp_ksi.load)


def builtin_frameworks():
    """[(framework_fields, [ControlSpec, ...], {ref_id: extra fields})] for every built-in framework."""
    outlines = [(dict(module.FRAMEWORK), parse_outline(module.OUTLINE), {}) for module in _MODULES]
    return outlines + [loader() for loader in _DOCUMENT_LOADERS]
