"""The built-in workflow templates, created or updated idempotently (called by the seeding command)."""

from django.contrib.auth.models import Group
from django.db import transaction

from common.roles import AUDITOR, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER
from compliance.models import Framework

from .choices import StepType, WorkflowType
from .models import WorkflowTemplate
from .step_specs import validate_steps


def _step(key, name, step_type, role, hours, due, **extra):
    return {
        "key": key,
        "name": name,
        "type": step_type,
        "role": role,
        "estimated_hours": hours,
        "due_in_hours": due,
        **extra,
    }


BUILTIN_TEMPLATES = [
    {
        "slug": "soc2-assessment",
        "name": "SOC 2 Assessment",
        "workflow_type": WorkflowType.ASSESSMENT,
        "framework": "soc2",
        "description": "Scope, evidence collection, control testing and management sign-off for a SOC 2 period.",
        "steps": [
            _step("scope", "Define scope and trust services criteria", StepType.TASK, COMPLIANCE_MANAGER, 8, 72),
            _step("evidence", "Collect control evidence", StepType.TASK, COMPLIANCE_MANAGER, 40, 240),
            _step("test", "Test controls and record exceptions", StepType.TASK, AUDITOR, 32, 240),
            _step(
                "exceptions-gate",
                "Exceptions within tolerance",
                StepType.GATE,
                "",
                0,
                None,
                condition="exceptions_found != True",
                on_reject="goto:evidence",
            ),
            _step("signoff", "Management sign-off", StepType.APPROVAL, COMPLIANCE_ADMIN, 2, 48, on_reject="goto:test"),
            _step(
                "notify", "Tell stakeholders the assessment is done", StepType.NOTIFICATION, COMPLIANCE_MANAGER, 0, None
            ),
        ],
    },
    {
        "slug": "gdpr-gap-analysis",
        "name": "GDPR Gap Analysis",
        "workflow_type": WorkflowType.ASSESSMENT,
        "framework": "gdpr",
        "description": "Map processing activities against GDPR articles, find the gaps and plan remediation.",
        "steps": [
            _step("inventory", "Inventory processing activities (Art. 30)", StepType.TASK, COMPLIANCE_MANAGER, 16, 120),
            _step(
                "dpia",
                "Run DPIAs for high-risk processing (Art. 35)",
                StepType.TASK,
                COMPLIANCE_MANAGER,
                24,
                240,
                condition="high_risk_processing == True",
            ),
            _step("gaps", "Assess gaps against Articles 5-49", StepType.TASK, AUDITOR, 24, 240),
            _step("plan", "Remediation plan", StepType.TASK, COMPLIANCE_MANAGER, 12, 120),
            _step(
                "dpo-approval",
                "DPO approval of the plan",
                StepType.APPROVAL,
                COMPLIANCE_ADMIN,
                2,
                72,
                on_reject="goto:plan",
            ),
        ],
    },
    {
        "slug": "incident-response",
        "name": "Incident Response",
        "workflow_type": WorkflowType.INCIDENT_RESPONSE,
        "framework": None,
        "description": "Triage, contain, eradicate and review a security incident; regulator notice within 72 hours.",
        "steps": [
            _step("triage", "Triage and classify severity", StepType.TASK, COMPLIANCE_MANAGER, 2, 4),
            _step("contain", "Contain the incident", StepType.TASK, COMPLIANCE_MANAGER, 8, 24),
            _step(
                "notify-regulator",
                "Notify the supervisory authority",
                StepType.TASK,
                COMPLIANCE_ADMIN,
                2,
                72,
                condition="personal_data_breach == True",
            ),
            _step("eradicate", "Eradicate and recover", StepType.TASK, COMPLIANCE_MANAGER, 16, 120),
            _step(
                "review",
                "Post-incident review approval",
                StepType.APPROVAL,
                COMPLIANCE_ADMIN,
                4,
                168,
                on_reject="goto:eradicate",
                quorum=1,
            ),
        ],
    },
]


@transaction.atomic
def seed_builtin(stdout=None):
    """Create or update the built-in templates; return {"created", "updated", "unchanged"} counts.

    Running it twice changes nothing the second time. Templates a user has edited are
    brought back to the built-in definition (they are marked is_builtin).
    """
    known_roles = set(Group.objects.values_list("name", flat=True))
    frameworks = dict(
        Framework.objects.filter(code__in=[t["framework"] for t in BUILTIN_TEMPLATES if t["framework"]]).values_list(
            "code", "pk"
        )
    )
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for spec in BUILTIN_TEMPLATES:
        defaults = {
            "name": spec["name"],
            "workflow_type": spec["workflow_type"],
            "description": spec["description"],
            "framework_id": frameworks.get(spec["framework"]),
            "is_builtin": True,
            "steps": validate_steps(spec["steps"], known_roles=known_roles or None),
        }
        template = WorkflowTemplate.objects.filter(slug=spec["slug"]).first()
        if template is None:
            WorkflowTemplate.objects.create(slug=spec["slug"], **defaults)
            counts["created"] += 1
        elif any(getattr(template, name) != value for name, value in defaults.items()):
            for name, value in defaults.items():
                setattr(template, name, value)
            template.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    if stdout is not None:
        stdout.write(
            f"Workflow templates: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged.\n"
        )
    return counts
