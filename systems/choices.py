"""Enumerations; values are OSCAL's own where OSCAL names them (so exports need no mapping)."""

from django.db import models


class ImpactLevel(models.TextChoices):
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"


class SystemStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    UNDER_DEVELOPMENT = "under-development", "Under development"
    UNDER_MAJOR_MODIFICATION = "under-major-modification", "Under major modification"
    DISPOSITION = "disposition", "Disposition"
    OTHER = "other", "Other"


class ComponentType(models.TextChoices):
    THIS_SYSTEM = "this-system", "This system"
    SYSTEM = "system", "Leveraged system"
    INTERCONNECTION = "interconnection", "Interconnection"
    SOFTWARE = "software", "Software"
    HARDWARE = "hardware", "Hardware"
    SERVICE = "service", "Service"
    POLICY = "policy", "Policy"
    PHYSICAL = "physical", "Physical"
    PROCESS_PROCEDURE = "process-procedure", "Process or procedure"
    PLAN = "plan", "Plan"
    GUIDANCE = "guidance", "Guidance"
    STANDARD = "standard", "Standard"
    VALIDATION = "validation", "Validation"


class ComponentStatus(models.TextChoices):
    UNDER_DEVELOPMENT = "under-development", "Under development"
    OPERATIONAL = "operational", "Operational"
    DISPOSITION = "disposition", "Disposition"
    OTHER = "other", "Other"


class ImplementationStatus(models.TextChoices):
    IMPLEMENTED = "implemented", "Implemented"
    PARTIAL = "partial", "Partially implemented"
    PLANNED = "planned", "Planned"
    ALTERNATIVE = "alternative", "Alternative implementation"
    NOT_APPLICABLE = "not-applicable", "Not applicable"


class ValidationMode(models.TextChoices):
    """How a Key Security Indicator is validated (FRR.PVA): by machines, by people, or both."""

    MACHINE = "machine", "Machine-based"
    PEOPLE = "people", "People-based"
    BOTH = "both", "Machine- and people-based"


class ValidationKind(models.TextChoices):
    MACHINE = "machine", "Machine-based"
    PEOPLE = "people", "People-based"


class IndicatorStatus(models.TextChoices):
    PASSING = "passing", "Passing"
    FAILING = "failing", "Failing"
