import factory

from common.roles import AUDITOR, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER
from workflows import models

# task (manager) → approval (admin, quorum 1, back to "fix" on reject) → conditional task → notification
STANDARD_STEPS = [
    {
        "key": "fix",
        "name": "Fix the problem",
        "type": "task",
        "role": COMPLIANCE_MANAGER,
        "estimated_hours": 4,
        "due_in_hours": 24,
    },
    {
        "key": "review",
        "name": "Review the fix",
        "type": "approval",
        "role": COMPLIANCE_ADMIN,
        "estimated_hours": 1.5,
        "due_in_hours": 48,
        "on_reject": "goto:fix",
    },
    {
        "key": "audit",
        "name": "Auditor check",
        "type": "task",
        "role": AUDITOR,
        "estimated_hours": 2,
        "condition": "severity in ['high', 'critical']",
    },
    {"key": "tell", "name": "Tell the team", "type": "notification", "role": COMPLIANCE_MANAGER},
]


class WorkflowTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WorkflowTemplate

    name = factory.Sequence(lambda n: f"Template {n}")
    slug = factory.Sequence(lambda n: f"template-{n}")
    workflow_type = "remediation"
    steps = factory.LazyFunction(lambda: [dict(step) for step in STANDARD_STEPS])


class WorkflowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Workflow

    name = factory.Sequence(lambda n: f"Workflow {n}")
    template = factory.SubFactory(WorkflowTemplateFactory)
    workflow_type = factory.LazyAttribute(lambda w: w.template.workflow_type)
    variables = factory.LazyFunction(lambda: {"severity": "high"})


class WorkflowTriggerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WorkflowTrigger

    name = factory.Sequence(lambda n: f"Trigger {n}")
    event = "finding_opened"
    template = factory.SubFactory(WorkflowTemplateFactory)


def started_workflow(**kwargs):
    from workflows.services import start_workflow

    return start_workflow(workflow=WorkflowFactory(**kwargs))
