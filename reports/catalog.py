"""The built-in report templates: a default for every report type plus framework packs.

reports/seed.py writes these to the database; generation falls back to them when a
report has no template and no default template was seeded yet.
"""

from .choices import FileFormat, ReportType, SectionKind

K = SectionKind


def _s(key, kind, title=None, **params):
    return {"key": key, "title": title or K(kind).label, "kind": kind, "params": params}


DEFAULT_SECTIONS = {
    ReportType.COMPLIANCE_STATUS: [
        _s("summary", K.EXECUTIVE_SUMMARY),
        _s("coverage", K.FRAMEWORK_COVERAGE),
        _s("rules", K.RULE_RESULTS),
        _s("findings", K.FINDINGS),
        _s("sources", K.DATA_SOURCE_SUMMARY),
    ],
    ReportType.GAP_ANALYSIS: [
        _s("summary", K.EXECUTIVE_SUMMARY),
        _s("coverage", K.FRAMEWORK_COVERAGE, "Control coverage gaps"),
        _s("failing_rules", K.RULE_RESULTS, "Failing and unevaluated rules", include_passed=False),
        _s("findings", K.FINDINGS, "Open gaps"),
    ],
    ReportType.RISK_ASSESSMENT: [
        _s("summary", K.EXECUTIVE_SUMMARY, "Risk overview", top_risks=10),
        _s("findings", K.FINDINGS, "Risks by severity"),
        _s("sources", K.DATA_SOURCE_SUMMARY, "Exposure by asset"),
        _s("remediation", K.WORKFLOW_STATUS, "Remediation status"),
    ],
    ReportType.AUDIT_TRAIL: [
        _s("trail", K.AUDIT_TRAIL),
        _s("workflows", K.WORKFLOW_STATUS),
    ],
    ReportType.EXECUTIVE_SUMMARY: [
        _s("summary", K.EXECUTIVE_SUMMARY),
        _s("trend", K.SCORE_TREND),
        _s("top_findings", K.FINDINGS, "Critical and high findings", max_rows=25),
    ],
    ReportType.DETAILED_FINDINGS: [
        _s("findings", K.FINDINGS, "All open findings", max_rows=5000),
        _s("rules", K.RULE_RESULTS, include_passed=False),
        _s("sources", K.DATA_SOURCE_SUMMARY),
    ],
    ReportType.FRAMEWORK_MAPPING: [
        _s("mapping", K.FRAMEWORK_MAPPING),
        _s("coverage", K.FRAMEWORK_COVERAGE),
    ],
    ReportType.TREND_ANALYSIS: [
        _s("trend", K.SCORE_TREND),
        _s("summary", K.EXECUTIVE_SUMMARY, "Where we stand now"),
        _s("rules", K.RULE_RESULTS),
    ],
}

PERIOD_90 = {"period_days": {"type": "integer", "default": 90, "min": 1, "max": 3650, "label": "Period (days)"}}

BUILTIN_TEMPLATES = [
    *[
        {
            "slug": f"default-{report_type.value.replace('_', '-')}",
            "name": f"{report_type.label} (default)",
            "report_type": report_type.value,
            "framework": None,
            "is_default": True,
            "description": f"The standard {report_type.label.lower()} report.",
            "default_format": FileFormat.PDF,
            "sections": sections,
            "parameters": PERIOD_90 if report_type == ReportType.TREND_ANALYSIS else {},
        }
        for report_type, sections in DEFAULT_SECTIONS.items()
    ],
    {
        "slug": "soc2-readiness",
        "name": "SOC 2 readiness",
        "report_type": ReportType.COMPLIANCE_STATUS,
        "framework": "soc2",
        "is_default": False,
        "default_format": FileFormat.PDF,
        "description": "Trust Services Criteria: score, criteria coverage, exceptions and evidence sources "
        "for a SOC 2 Type II readiness review.",
        "sections": [
            _s("summary", K.EXECUTIVE_SUMMARY, "Readiness summary"),
            _s("trend", K.SCORE_TREND, "Score over the period"),
            _s("criteria", K.FRAMEWORK_COVERAGE, "Trust Services Criteria coverage"),
            _s("exceptions", K.FINDINGS, "Exceptions"),
            _s("controls", K.RULE_RESULTS, "Control tests"),
            _s("evidence", K.DATA_SOURCE_SUMMARY, "Evidence sources"),
            _s("trail", K.AUDIT_TRAIL, "Change log"),
        ],
        "parameters": PERIOD_90,
    },
    {
        "slug": "gdpr-compliance",
        "name": "GDPR compliance",
        "report_type": ReportType.COMPLIANCE_STATUS,
        "framework": "gdpr",
        "is_default": False,
        "default_format": FileFormat.PDF,
        "description": "GDPR articles: coverage, open issues affecting personal data processing, and "
        "mappings to security frameworks (Art. 32).",
        "sections": [
            _s("summary", K.EXECUTIVE_SUMMARY, "Summary"),
            _s("articles", K.FRAMEWORK_COVERAGE, "Article coverage"),
            _s("issues", K.FINDINGS, "Open issues"),
            _s("processing", K.DATA_SOURCE_SUMMARY, "Processing systems"),
            _s("mapping", K.FRAMEWORK_MAPPING, "Mapped security controls"),
        ],
        "parameters": {},
    },
    {
        "slug": "executive-summary",
        "name": "Executive summary",
        "report_type": ReportType.EXECUTIVE_SUMMARY,
        "framework": None,
        "is_default": False,
        "default_format": FileFormat.PDF,
        "description": "One score, its trend, the top risks and the remediation pipeline, for the board.",
        "sections": [
            _s("summary", K.EXECUTIVE_SUMMARY, "At a glance", top_risks=5),
            _s("trend", K.SCORE_TREND, "Trend"),
            _s("risks", K.FINDINGS, "Top risks", max_rows=15),
            _s("remediation", K.WORKFLOW_STATUS, "Remediation in progress", max_rows=15),
        ],
        "parameters": PERIOD_90,
    },
    {
        "slug": "pci-dss-assessment",
        "name": "PCI DSS assessment",
        "report_type": ReportType.GAP_ANALYSIS,
        "framework": "pci_dss",
        "is_default": False,
        "default_format": FileFormat.PDF,
        "description": "PCI DSS requirements: coverage, failing tests, cardholder-data-environment assets "
        "and the remediation plan.",
        "sections": [
            _s("summary", K.EXECUTIVE_SUMMARY, "Assessment summary"),
            _s("requirements", K.FRAMEWORK_COVERAGE, "Requirement coverage"),
            _s("failing", K.RULE_RESULTS, "Failing tests", include_passed=False),
            _s("findings", K.FINDINGS, "Open findings"),
            _s("cde", K.DATA_SOURCE_SUMMARY, "In-scope systems"),
            _s("remediation", K.WORKFLOW_STATUS, "Remediation plan"),
        ],
        "parameters": {
            "period_days": {"type": "integer", "default": 90, "min": 1, "max": 3650, "label": "Period (days)"}
        },
    },
]
