"""Cross-framework control mappings for the themes most teams map first.

Line format: ``<code>:<ref> <op> <code>:<ref>``; ``op`` is one of ``=`` equal, ``<`` subset of,
``>`` superset of, ``~`` intersects with (NIST OLIR relationship types). A ``## theme`` line
starts a block; its theme becomes the rationale of every mapping in the block. ISO/IEC
27001 Annex A is the hub most other frameworks map to, so most lines point at it.
"""

from dataclasses import dataclass

from compliance.choices import MappingRelationship

_OPERATORS = {
    "=": MappingRelationship.EQUAL,
    "<": MappingRelationship.SUBSET,
    ">": MappingRelationship.SUPERSET,
    "~": MappingRelationship.INTERSECT,
}

MAPPINGS = """
## authentication of users and services
soc2:CC6.1 ~ iso27001:A.8.5
soc2:CC6.1 ~ pci_dss:8.3
soc2:CC6.1 ~ nist_csf:PR.AA-03
pci_dss:8.4 < iso27001:A.8.5
pci_dss:8.3 ~ iso27001:A.8.5
nist_csf:PR.AA-03 ~ iso27001:A.8.5
hipaa:164.312(d) ~ nist_csf:PR.AA-03
hipaa:164.312(d) ~ iso27001:A.8.5
## identity life cycle
soc2:CC6.2 ~ iso27001:A.5.16
pci_dss:8.2 ~ iso27001:A.5.16
nist_csf:PR.AA-01 = iso27001:A.5.16
hipaa:164.312(a)(2)(i) ~ pci_dss:8.2
## access rights and least privilege
soc2:CC6.3 ~ iso27001:A.5.18
pci_dss:7.2 ~ iso27001:A.5.18
nist_csf:PR.AA-05 ~ iso27001:A.5.18
hipaa:164.308(a)(4)(ii)(C) ~ iso27001:A.5.18
soc2:CC6.3 ~ pci_dss:7.2
iso27001:A.8.2 < nist_csf:PR.AA-05
## cryptography for data at rest and in transit
soc2:CC6.7 ~ iso27001:A.8.24
pci_dss:4.2 < iso27001:A.8.24
pci_dss:3.5 < iso27001:A.8.24
nist_csf:PR.DS-01 ~ iso27001:A.8.24
nist_csf:PR.DS-02 ~ pci_dss:4.2
hipaa:164.312(e)(2)(ii) ~ nist_csf:PR.DS-02
hipaa:164.312(a)(2)(iv) ~ nist_csf:PR.DS-01
gdpr:Art.32 > iso27001:A.8.24
## logging and monitoring
soc2:CC7.2 ~ iso27001:A.8.16
pci_dss:10.2 ~ iso27001:A.8.15
nist_csf:PR.PS-04 = iso27001:A.8.15
hipaa:164.312(b) ~ iso27001:A.8.15
pci_dss:10.4 ~ nist_csf:DE.CM-09
nist_csf:DE.CM-01 ~ iso27001:A.8.16
pci_dss:10.6 = iso27001:A.8.17
soc2:CC7.2 ~ pci_dss:10.4
## vulnerability management
soc2:CC7.1 ~ iso27001:A.8.8
pci_dss:6.3 ~ iso27001:A.8.8
pci_dss:11.3 < iso27001:A.8.8
nist_csf:ID.RA-01 ~ iso27001:A.8.8
## malware protection
soc2:CC6.8 ~ iso27001:A.8.7
pci_dss:5.2 ~ iso27001:A.8.7
hipaa:164.308(a)(5)(ii)(B) ~ iso27001:A.8.7
## change and configuration management
soc2:CC8.1 ~ iso27001:A.8.32
pci_dss:6.5 ~ iso27001:A.8.32
nist_csf:PR.PS-01 ~ iso27001:A.8.9
pci_dss:2.2 ~ iso27001:A.8.9
soc2:CC8.1 ~ pci_dss:6.5
## incident response
soc2:CC7.4 ~ iso27001:A.5.26
pci_dss:12.10 ~ iso27001:A.5.26
hipaa:164.308(a)(6)(ii) ~ iso27001:A.5.26
nist_csf:RS.MA-01 ~ iso27001:A.5.26
gdpr:Art.33 ~ nist_csf:RS.CO-02
gdpr:Art.33 ~ iso27001:A.5.26
gdpr:Art.34 ~ soc2:P6.6
## backup and continuity
soc2:A1.2 ~ iso27001:A.8.13
nist_csf:PR.DS-11 = iso27001:A.8.13
hipaa:164.308(a)(7)(ii)(A) ~ iso27001:A.8.13
soc2:A1.3 ~ iso27001:A.5.30
hipaa:164.308(a)(7)(ii)(B) ~ iso27001:A.5.30
## risk assessment
soc2:CC3.2 ~ nist_csf:ID.RA-05
hipaa:164.308(a)(1)(ii)(A) ~ soc2:CC3.2
pci_dss:12.3 ~ soc2:CC3.2
## supplier risk
soc2:CC9.2 ~ iso27001:A.5.19
pci_dss:12.8 ~ iso27001:A.5.19
nist_csf:GV.SC-07 ~ iso27001:A.5.22
gdpr:Art.28 ~ iso27001:A.5.20
hipaa:164.308(b)(1) ~ iso27001:A.5.20
## security awareness
soc2:CC1.4 ~ iso27001:A.6.3
pci_dss:12.6 ~ iso27001:A.6.3
hipaa:164.308(a)(5) ~ iso27001:A.6.3
nist_csf:PR.AT-01 = iso27001:A.6.3
## privacy of personal data
gdpr:Art.25 ~ iso27001:A.5.34
gdpr:Art.30 ~ nist_csf:ID.AM-07
soc2:P4.2 < gdpr:Art.5
soc2:P5.1 ~ gdpr:Art.15
soc2:P4.3 ~ gdpr:Art.17
soc2:P1.1 ~ gdpr:Art.13
## physical access
soc2:CC6.4 ~ iso27001:A.7.2
pci_dss:9.2 ~ iso27001:A.7.2
hipaa:164.310(a)(1) ~ iso27001:A.7.2
nist_csf:PR.AA-06 ~ iso27001:A.7.2
## security policy
soc2:CC5.3 ~ iso27001:A.5.1
pci_dss:12.1 ~ iso27001:A.5.1
nist_csf:GV.PO-01 ~ iso27001:A.5.1
hipaa:164.316(a) ~ iso27001:A.5.1
## network security
soc2:CC6.6 ~ iso27001:A.8.20
pci_dss:1.2 ~ iso27001:A.8.20
pci_dss:1.3 ~ iso27001:A.8.22
nist_csf:PR.IR-01 ~ iso27001:A.8.20
## secure development
pci_dss:6.2 ~ iso27001:A.8.25
nist_csf:PR.PS-06 ~ iso27001:A.8.25
## asset disposal
soc2:CC6.5 ~ iso27001:A.7.14
hipaa:164.310(d)(2)(i) ~ iso27001:A.7.14
pci_dss:9.4 ~ iso27001:A.7.10
"""


@dataclass(frozen=True)
class MappingSpec:
    source: tuple  # (framework code, ref_id)
    target: tuple
    relationship: str
    rationale: str


def ksi_mappings():
    """Each FedRAMP 20x indicator → the SP 800-53 controls FRMR says it relies on."""
    from .frameworks import fedramp_ksi, nist_800_53

    return [
        MappingSpec(
            source=(fedramp_ksi.CODE, ksi_id),
            target=(nist_800_53.CODE, control),
            relationship=MappingRelationship.INTERSECT,
            rationale="The indicator relies on this control (FedRAMP machine-readable documentation).",
        )
        for ksi_id, control in fedramp_ksi.control_references()
    ]


def builtin_mappings():
    """Parse MAPPINGS into MappingSpecs (and add the KSI ones); raises ValueError on a malformed line."""
    specs, theme = [], ""
    for number, raw in enumerate(MAPPINGS.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("##"):
            theme = line.lstrip("# ").strip()
            continue
        parts = line.split()
        if len(parts) != 3 or parts[1] not in _OPERATORS or ":" not in parts[0] or ":" not in parts[2]:
            raise ValueError(f"mapping line {number}: expected 'code:ref OP code:ref', got {raw!r}")
        specs.append(
            MappingSpec(
                source=tuple(parts[0].split(":", 1)),
                target=tuple(parts[2].split(":", 1)),
                relationship=_OPERATORS[parts[1]],
                rationale=f"Both address {theme}.",
            )
        )
    return specs + ksi_mappings()
