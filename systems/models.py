"""Systems being authorised, their components and how each control in scope is implemented."""

from django.core.exceptions import ValidationError
from django.db import models

from common.models import TimeStampedModel

from .choices import ComponentStatus, ComponentType, ImpactLevel, ImplementationStatus, SystemStatus
from .ksi_models import KsiIndicator, KsiValidation  # noqa: F401  (re-exported: the app's models in one place)


class System(TimeStampedModel):
    """What is being authorised: the subject of an SSP, an assessment plan and a POA&M."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=50, blank=True)
    description = models.TextField(blank=True)
    authorization_boundary = models.TextField(blank=True)
    impact_level = models.CharField(max_length=10, choices=ImpactLevel.choices, default=ImpactLevel.MODERATE)
    status = models.CharField(max_length=30, choices=SystemStatus.choices, default=SystemStatus.OPERATIONAL)
    framework = models.ForeignKey(
        "compliance.Framework",
        on_delete=models.PROTECT,
        related_name="systems",
        help_text="The catalog or imported profile whose controls are in scope.",
    )
    information_types = models.JSONField(
        default=list, blank=True, help_text='[{"title", "description", "confidentiality", "integrity", "availability"}]'
    )
    responsible_parties = models.JSONField(
        default=list, blank=True, help_text='[{"role": "system-owner", "party": "Jane Doe"}] (OSCAL role ids)'
    )
    data_source = models.OneToOneField(
        "compliance.DataSource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="system",
        help_text="Where the system's own validations (KSI) are recorded as evaluations.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ComponentDefinition(TimeStampedModel):
    """An imported OSCAL component definition: its components live on as Component rows."""

    title = models.CharField(max_length=300)
    version = models.CharField(max_length=100, blank=True)
    source_uuid = models.UUIDField(null=True, blank=True)
    metadata_extra = models.JSONField(default=dict, blank=True, help_text="roles and parties as imported")
    back_matter = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self):
        return self.title


class Component(TimeStampedModel):
    """A part of a system (or of a component definition): software, service, policy, provider …"""

    system = models.ForeignKey(System, null=True, blank=True, on_delete=models.CASCADE, related_name="components")
    definition = models.ForeignKey(
        ComponentDefinition, null=True, blank=True, on_delete=models.CASCADE, related_name="components"
    )
    component_type = models.CharField(max_length=30, choices=ComponentType.choices, default=ComponentType.SOFTWARE)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    purpose = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=30, choices=ComponentStatus.choices, default=ComponentStatus.OPERATIONAL)
    responsible_role = models.CharField(max_length=100, blank=True, help_text="OSCAL role id, e.g. provider.")
    responsible_roles = models.JSONField(default=list, blank=True, help_text="OSCAL responsible-roles as imported")
    protocols = models.JSONField(default=list, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    rules = models.ManyToManyField("compliance.ComplianceRule", blank=True, related_name="components")
    data_sources = models.ManyToManyField("compliance.DataSource", blank=True, related_name="components")

    class Meta:
        ordering = ["sort_order", "title", "id"]

    def __str__(self):
        return self.title

    def clean(self):
        if (self.system_id is None) == (self.definition_id is None):
            raise ValidationError("A component belongs to exactly one system or one component definition.")


class DefinedImplementation(models.Model):
    """One implemented requirement of a component in a component definition (control-id as text)."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="defined_implementations")
    source = models.CharField(max_length=500, help_text="The control-implementation's source (catalog/profile href).")
    set_description = models.TextField(help_text="The control-implementation's description.")
    control_id = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    set_parameters = models.JSONField(default=list, blank=True)
    statements = models.JSONField(default=list, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["component", "sort_order", "id"]

    def __str__(self):
        return f"{self.component} {self.control_id}"


class RequirementQuerySet(models.QuerySet):
    def in_scope(self, system):
        """The system's requirements on controls of its framework (a control moved to
        another framework since it was put in scope is not the system's any more)."""
        return self.filter(system=system, control__framework_id=system.framework_id)


class ImplementedRequirement(TimeStampedModel):
    """A control in a system's scope and how it is implemented."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="requirements")
    control = models.ForeignKey("compliance.Control", on_delete=models.CASCADE, related_name="implementations")
    status = models.CharField(max_length=20, choices=ImplementationStatus.choices, default=ImplementationStatus.PLANNED)
    responsible_role = models.CharField(max_length=100, blank=True)
    parameter_values = models.JSONField(default=dict, blank=True, help_text='{"ac-1_prm_1": ["value", ...]}')
    statement = models.TextField(blank=True)

    objects = RequirementQuerySet.as_manager()

    class Meta:
        ordering = ["system", "control__sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["system", "control"], name="requirement_unique_control")]

    def __str__(self):
        return f"{self.system} {self.control.ref_id}"

    def clean(self):
        if self.control_id and self.system_id and self.control.framework_id != self.system.framework_id:
            raise ValidationError({"control": ["The control is not in the system's framework."]})


class ByComponent(models.Model):
    """How one component implements one requirement; provider components are inherited from."""

    requirement = models.ForeignKey(ImplementedRequirement, on_delete=models.CASCADE, related_name="by_components")
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="implementations")
    statement = models.TextField()
    status = models.CharField(
        max_length=20, choices=ImplementationStatus.choices, default=ImplementationStatus.IMPLEMENTED
    )
    responsible_role = models.CharField(max_length=100, blank=True)
    inherited_from = models.ForeignKey(
        Component,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The provider component this implementation is inherited from.",
    )
    provided = models.TextField(blank=True, help_text="What this component provides to leveraging systems.")
    responsibility = models.TextField(blank=True, help_text="What the customer remains responsible for.")

    class Meta:
        ordering = ["requirement", "component__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["requirement", "component"], name="by_component_unique"),
        ]

    def __str__(self):
        return f"{self.requirement} by {self.component}"

    def clean(self):
        if self.component_id and self.requirement_id and self.component.system_id != self.requirement.system_id:
            raise ValidationError({"component": ["The component is not part of the requirement's system."]})
