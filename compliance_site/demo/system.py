"""The demo organisation's system: a MODERATE cloud platform on NIST SP 800-53 rev5, whose
components are the demo's data sources and rules, so its SSP, POA&M and assessment results
come out of the demo history."""

from datetime import timedelta

from django.utils import timezone

from systems import ksi
from systems.models import ByComponent, ImplementedRequirement, System
from systems.services import create_system

NAME = "Demo cloud platform"
# (title, OSCAL type, responsible role, demo data sources)
COMPONENTS = (
    ("Kubernetes platform", "software", "platform-engineering", ("k8s-prod-cluster",)),
    ("AWS production account", "service", "cloud-provider", ("aws-prod-account",)),
    ("Identity provider", "service", "identity-team", ("okta-workforce",)),
    ("Windows fleet", "hardware", "it-operations", ("windows-fleet",)),
)
# Requirements described in the demo SSP: control ref_id -> (statement, {component: statement}).
STATEMENTS = {
    "ac-2": ("Accounts are managed in the identity provider.", {"Identity provider": "Joiner-mover-leaver flows."}),
    "au-2": ("Security events are logged centrally.", {"Kubernetes platform": "Audit logs shipped to the SIEM."}),
    "sc-8": ("Transmission is encrypted.", {"AWS production account": "TLS 1.2+ on every load balancer."}),
}


def seed_demo_system(*, sources, tally, log):
    """Create the demo system once (found by name afterwards); needs the built-in NIST framework."""
    from compliance.models import Framework, LatestEvaluation

    if System.objects.filter(name=NAME).exists():
        tally.add("skipped", "system")
        return None
    framework = Framework.objects.filter(code="nist_800_53_rev5").first()
    if framework is None:
        log("  demo system skipped: nist_800_53_rev5 is not seeded")
        return None
    system = create_system(
        data={
            "name": NAME,
            "short_name": "DCP",
            "description": "The demo organisation's production platform.",
            "authorization_boundary": "The production AWS account, its Kubernetes cluster and the identity provider.",
            "impact_level": "moderate",
            "framework": framework,
            "information_types": [{"title": "Customer records", "description": "Customer contact and billing data."}],
            "responsible_parties": [{"role": "System Owner", "party": "demo.manager"}],
            "components": [
                {"title": title, "component_type": kind, "responsible_role": role}
                for title, kind, role, _ in COMPONENTS
            ],
        }
    )
    components = {c.title: c for c in system.components.all()}
    for title, _, _, names in COMPONENTS:
        linked = [sources[name] for name in names if name in sources]
        components[title].data_sources.set(linked)
        # The rules evaluated on the component's data sources are the component's rules.
        evaluated = LatestEvaluation.objects.filter(data_source__in=linked).values_list("rule_id", flat=True)
        components[title].rules.set(sorted(set(evaluated)))
    for ref_id, (statement, by_component) in STATEMENTS.items():
        requirement = ImplementedRequirement.objects.filter(system=system, control__ref_id=ref_id).first()
        if requirement is None:
            continue
        requirement.statement, requirement.status = statement, "implemented"
        requirement.save()
        for title, text in by_component.items():
            ByComponent.objects.create(requirement=requirement, component=components[title], statement=text)
    validations = _seed_ksi(system)
    tally.add("created", "system")
    log(
        f"  demo system {NAME!r}: {system.requirements.count()} controls in scope, {len(components)} components, "
        f"{validations} KSI validations"
    )
    return system


def _seed_ksi(system):
    """Every Key Security Indicator, validated within its cycle but for one in ten that
    failed and one in ten that is late (its finding opened by the overdue check)."""
    from compliance.models import Framework

    if not Framework.objects.filter(code=ksi.KSI_FRAMEWORK).exists():
        return 0
    ksi.enable_ksi(system=system)
    now, recorded = timezone.now(), 0
    indicators = system.indicators.select_related("control").order_by("control__sort_order")
    for index, indicator in enumerate(indicators):
        for kind in indicator.kinds:
            hours = ksi.cycle_hours(system, kind)
            late = index % 10 == 7
            age = timedelta(hours=hours + 24) if late else timedelta(hours=(index * 5) % max(1, hours - 1) + 1)
            ksi.record_validation(
                indicator=indicator, kind=kind, passed=index % 10 != 3, validated_at=now - age, notes="Demo run."
            )
            recorded += 1
    ksi.check_overdue(now=now)
    return recorded
