"""Enumerations; values are exactly those of docs/api.md."""

from django.db import models


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


# The one severity-weight table of the score definition (docs/architecture.md).
SEVERITY_WEIGHTS = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 5}


class EvaluationStatus(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    ERROR = "error", "Error"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class RuleType(models.TextChoices):
    AUTOMATED = "automated", "Automated check"
    CONFIGURATION = "configuration", "Configuration check"
    POLICY = "policy", "Policy"
    MANUAL = "manual", "Manual attestation"
    DOCUMENTATION = "documentation", "Documentation review"


class SourceType(models.TextChoices):
    CLOUD_ACCOUNT = "cloud_account", "Cloud account"
    SERVER = "server", "Server"
    DATABASE = "database", "Database"
    APPLICATION = "application", "Application"
    NETWORK = "network", "Network device"
    IDENTITY = "identity", "Identity provider"
    ENDPOINT = "endpoint", "Endpoint"
    SAAS = "saas", "SaaS service"
    REPOSITORY = "repository", "Code repository"
    OTHER = "other", "Other"


class Environment(models.TextChoices):
    PRODUCTION = "production", "Production"
    STAGING = "staging", "Staging"
    DEVELOPMENT = "development", "Development"
    TEST = "test", "Test"


class MappingRelationship(models.TextChoices):
    """NIST OLIR relationship types between a source and a target control."""

    EQUAL = "equal", "Equal"
    SUBSET = "subset", "Subset of"
    SUPERSET = "superset", "Superset of"
    INTERSECT = "intersect", "Intersects with"
    NOT_RELATED = "not_related", "Not related to"


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"
    RISK_ACCEPTED = "risk_accepted", "Risk accepted"
    FALSE_POSITIVE = "false_positive", "False positive"


# Findings in these states are live: a pass resolves them, a failure updates them.
ACTIVE_FINDING_STATUSES = (FindingStatus.OPEN, FindingStatus.IN_PROGRESS)


class ImplementationStatus(models.TextChoices):
    NOT_IMPLEMENTED = "not_implemented", "Not implemented"
    PLANNED = "planned", "Planned"
    PARTIALLY_IMPLEMENTED = "partially_implemented", "Partially implemented"
    IMPLEMENTED = "implemented", "Implemented"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class ControlState(models.TextChoices):
    """A control's derived state: compliance/freshness.py is the one place that decides it."""

    PASSING = "passing", "Passing"
    FAILING = "failing", "Failing"
    STALE = "stale", "Stale"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
