"""The demo's audit: one SOC 2 engagement in fieldwork with owned controls, evidence,
frozen populations, samples drawn with a recorded seed, and open requests (one overdue).

Idempotent: found by name; a second run adds nothing. Everything goes through the
services an auditor's requests would call.
"""

from datetime import timedelta

from django.utils import timezone

from compliance.evidence import services as evidence_services
from compliance.models import Control, Framework
from compliance.services import update_control
from engagements import services as engagement_services
from engagements.models import Engagement

NAME = "SOC 2 Type II (demo)"


def seed_engagement(*, users, rng, tally, log):
    if Engagement.objects.filter(name=NAME).exists():
        tally.add("skipped", "engagement")
        return None
    framework = Framework.objects.filter(code="soc2").first()
    if framework is None:
        log("  framework soc2 missing; demo engagement skipped")
        return None
    auditor, owner, manager = users["demo.auditor"], users["demo.engineer"], users["demo.manager"]
    controls = list(
        Control.objects.filter(framework=framework, is_group=False, rules__isnull=False)
        .distinct()
        .order_by("ref_id")[:6]
    )
    for index, control in enumerate(controls):
        update_control(
            control=control,
            changes={
                "owner": owner,
                "implementation_status": "implemented",
                "review_cadence_days": 90,
                "next_review_at": timezone.now() + timedelta(days=10 + 20 * index),
                "test_cadence_hours": 72 if index % 2 == 0 else None,
            },
        )
    today = timezone.now().date()
    engagement = engagement_services.create_engagement(
        data={
            "name": NAME,
            "framework": framework,
            "controls": controls,
            "period_start": today - timedelta(days=90),
            "period_end": today - timedelta(days=1),
            "auditors": [auditor],
        },
        actor=manager,
    )
    engagement = engagement_services.update_engagement(
        engagement=engagement, changes={"status": "fieldwork"}, actor=manager
    )
    evidence = [
        evidence_services.add_evidence(
            data={
                "name": f"{control.ref_id} quarterly review",
                "controls": [control.pk],
                "collected_at": timezone.now() - timedelta(days=5),
                "covers_from": engagement.period_start,
                "covers_to": engagement.period_end,
                "source": "Access review export from the identity provider (demo)",
                "valid_for_days": 90,
                "access_level": "confidential",
                "tags": ["demo", "access-review"],
            },
            record={"control": control.ref_id, "reviewed_accounts": 40 + index, "exceptions": index % 2},
            actor=owner,
        )
        for index, control in enumerate(controls[:3])
    ]
    seed = f"demo-{rng.randrange(10**9)}"
    for control in controls[:2]:
        population = engagement_services.freeze_population(engagement=engagement, control=control, actor=auditor)
        if population.size:
            sample = engagement_services.draw_sample(
                engagement=engagement, population=population, frequency="daily", seed=seed, actor=auditor
            )
            tally.add("created", "sample")
            member = sample.members[0] if sample.members else None
        else:
            sample, member = None, None
        engagement_services.create_request(
            engagement=engagement,
            data={
                "control": control,
                "sample": sample,
                "member": member,
                "title": f"Ticket and approval for {control.ref_id} sample member",
                "due_at": timezone.now() + timedelta(days=7),
                "assignee": owner,
            },
            actor=auditor,
        )
        tally.add("created", "request")
    answered = engagement_services.create_request(
        engagement=engagement,
        data={"control": controls[0], "title": "Quarterly access review", "due_at": timezone.now(), "assignee": owner},
        actor=auditor,
    )
    engagement_services.answer_request(request=answered, evidence=evidence[:1], actor=owner)
    engagement_services.decide_request(request=answered, accept=True, comment="Complete.", actor=auditor)
    engagement_services.create_request(
        engagement=engagement,
        data={
            "control": controls[2],
            "title": "Change tickets for the period",
            "due_at": timezone.now() - timedelta(days=2),
            "assignee": owner,
        },
        actor=auditor,
    )
    engagement_services.sign_off(
        engagement=engagement, control=controls[0], result="effective", note="25 of 25 tested.", actor=auditor
    )
    tally.add("created", "engagement")
    log(f"  engagement {NAME!r} in fieldwork: {len(controls)} controls, 3 evidence items, 4 requests")
    return engagement
