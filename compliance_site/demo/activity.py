"""Demo activity through the apps' services: triage, workflows, integrations, reports.

Each part is found by name first (idempotent).
"""

from datetime import timedelta

from django.utils import timezone

from compliance.choices import FindingStatus
from compliance.models import Finding, Framework
from compliance.services import update_finding
from integrations import services as integration_services
from integrations.models import Integration
from reports import services as report_services
from reports.models import Report, ReportTemplate
from workflows import services as workflow_services
from workflows.models import Workflow, WorkflowTemplate

# name, template slug, priority, variables, how far to take it, days ago started
WORKFLOWS = (
    ("SOC 2 Type II readiness 2025", "soc2-assessment", "high", {"exceptions_found": False}, "complete", 150),
    ("SOC 2 Type II readiness 2026", "soc2-assessment", "high", {"exceptions_found": False}, 2, 20),
    ("GDPR gap analysis: EU expansion", "gdpr-gap-analysis", "medium", {"high_risk_processing": True}, 1, 9),
    (
        "Incident: MFA policy change on the identity provider",
        "incident-response",
        "critical",
        {"personal_data_breach": False},
        "complete",
        30,
    ),
    ("Incident: staging audit logs missing", "incident-response", "high", {"personal_data_breach": False}, "pause", 4),
    (
        "GDPR gap analysis: new analytics pipeline",
        "gdpr-gap-analysis",
        "low",
        {"high_risk_processing": False},
        "draft",
        0,
    ),
)

# name, provider, config, placeholder credential values (clearly not real secrets)
_PLACEHOLDER = "demo-placeholder-not-a-secret"
INTEGRATIONS = (
    (
        "AWS Config (demo)",
        "aws_config",
        {"region": "eu-west-1"},
        {"access_key_id": "AKIADEMOPLACEHOLDER0", "secret_access_key": _PLACEHOLDER},
    ),
    (
        "Azure Policy (demo)",
        "azure_policy",
        {"tenant_id": "contoso.example", "subscription_id": "00000000-0000-4000-8000-000000000000"},
        {"client_id": "00000000-0000-4000-8000-000000000001", "client_secret": _PLACEHOLDER},
    ),
    (
        "Jira remediation tickets (demo)",
        "jira",
        {"base_url": "https://demo.invalid", "project_key": "SEC"},
        {"email": "demo.engineer@example.com", "api_token": _PLACEHOLDER},
    ),
    (
        "Splunk SIEM (demo)",
        "splunk",
        {"hec_url": "https://splunk.demo.invalid:8088", "index": "compliance"},
        {"hec_token": _PLACEHOLDER},
    ),
    (
        "ServiceNow GRC (demo)",
        "servicenow",
        {"instance_url": "https://demo.invalid"},
        {"username": "demo-integration", "password": _PLACEHOLDER},
    ),
)

# name, template slug, file format, access level
REPORTS = (
    ("Executive summary (demo)", "executive-summary", "pdf", "internal"),
    ("SOC 2 readiness (demo)", "soc2-readiness", "html", "confidential"),
    ("PCI DSS assessment (demo)", "pci-dss-assessment", "json", "restricted"),
)


def _missing_names(model, names, kind, tally):
    """Names of `model` rows not created yet; the others count as skipped (found by name)."""
    existing = set(model.objects.filter(name__in=names).values_list("name", flat=True))
    tally.add("skipped", kind, len(existing))
    return [name for name in names if name not in existing]


def triage_findings(*, users, rng, tally, log):
    """Give a few open findings an owner, a due date and a status, as a team would."""
    open_findings = list(Finding.objects.filter(status=FindingStatus.OPEN).order_by("opened_at", "pk"))
    now = timezone.now()
    plan = [(FindingStatus.IN_PROGRESS, "Fix scheduled in the next sprint.")] * 4 + [
        (FindingStatus.RISK_ACCEPTED, "Legacy system retires next quarter; accepted by the CISO."),
        (FindingStatus.FALSE_POSITIVE, "Check reads a decommissioned replica."),
    ]
    chosen = rng.sample(open_findings, min(len(plan), len(open_findings)))
    for finding, (status, note) in zip(chosen, plan, strict=False):
        update_finding(
            finding=finding,
            changes={
                "status": status,
                "notes": note,
                "assigned_to": users["demo.engineer"],
                "due_at": now + timedelta(days=rng.randrange(7, 45)),
            },
        )
        tally.add("updated", "finding")
    log(f"  {Finding.objects.active().count()} findings open, {min(len(plan), len(open_findings))} triaged")


def seed_workflows(*, users, tally, log):
    admin = users["demo.admin"]
    now = timezone.now()
    missing = _missing_names(Workflow, [w[0] for w in WORKFLOWS], "workflow", tally)
    for name, slug, priority, variables, progress, days_ago in WORKFLOWS:
        if name not in missing:
            continue
        template = WorkflowTemplate.objects.filter(slug=slug).first()
        if template is None:
            log(f"  workflow template {slug} missing; {name!r} skipped")
            continue
        started = now - timedelta(days=days_ago)
        workflow = Workflow.objects.create(
            name=name,
            template=template,
            workflow_type=template.workflow_type,
            priority=priority,
            variables=variables,
            assigned_to=users["demo.manager"],
            created_by=admin,
            due_at=started + timedelta(days=60),
        )
        tally.add("created", "workflow")
        if progress == "draft":
            continue
        workflow = workflow_services.start_workflow(workflow=workflow, actor=admin, now=started)
        steps_to_finish = (
            len(template.steps) if progress == "complete" else (progress if isinstance(progress, int) else 1)
        )
        moment = started
        for _ in range(steps_to_finish):
            workflow.refresh_from_db()
            step = workflow.current_step
            if step is None:
                break
            moment += timedelta(days=1)
            act = workflow_services.approve_step if step.step_type == "approval" else workflow_services.complete_step
            workflow = act(workflow=workflow, order=step.order, user=admin, comment="Done (demo).", now=moment)
        if progress == "pause":
            workflow_services.pause_workflow(
                workflow=workflow, actor=admin, reason="Waiting for the vendor's log export."
            )
    log(f"  workflows: {Workflow.objects.filter(name__in=[w[0] for w in WORKFLOWS]).count()} demo workflows")


def seed_integrations(*, users, tally, log):
    frameworks = list(Framework.objects.filter(code__in=["soc2", "iso27001", "pci_dss"]))
    missing = _missing_names(Integration, [i[0] for i in INTEGRATIONS], "integration", tally)
    for name, provider, config, credentials in INTEGRATIONS:
        if name not in missing:
            continue
        # No schedule: demo integrations must never call out to a vendor on their own.
        integration_services.create_integration(
            name=name,
            provider=provider,
            config=config,
            credentials=credentials,
            frameworks=frameworks,
            description="Demo integration with placeholder credentials; replace them to connect.",
            sync_frequency_minutes=0,
            created_by=users["demo.admin"],
        )
        tally.add("created", "integration")
    log(f"  integrations: {len(INTEGRATIONS)} configured with placeholder credentials")


def seed_reports(*, users, tally, log):
    missing = _missing_names(Report, [r[0] for r in REPORTS], "report", tally)
    for name, slug, file_format, access_level in REPORTS:
        if name not in missing:
            continue
        template = ReportTemplate.objects.filter(slug=slug).first()
        if template is None:
            log(f"  report template {slug} missing; {name!r} skipped")
            continue
        report = report_services.create_report(
            created_by=users["demo.manager"],
            name=name,
            report_type=template.report_type,
            template=template,
            file_format=file_format,
            access_level=access_level,
            tags=["demo"],
        )
        report_services.request_generation(report=report, user=users["demo.manager"])
        tally.add("created", "report")
    log(f"  reports: {len(REPORTS)} requested (generated by the reports worker)")
