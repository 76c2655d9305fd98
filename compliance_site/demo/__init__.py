"""The demo organisation: people, data sources, rules, 180 days of history, and activity.

Deterministic for a given --seed (dates are anchored to today's midnight UTC). Idempotent:
everything is found by natural key first, and the evaluation history is written only when
no demo evaluations exist yet, so a second run adds nothing.
"""

import random
import time
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from audit.services import record_event
from compliance.models import ComplianceRule, Control, DataSource, Framework, RuleEvaluation

from . import activity
from .catalog import DATA_SOURCES, RULE_THEMES, USERS
from .engagement import seed_engagement
from .history import SOURCE, generate_history, make_pairs
from .system import seed_demo_system


def _users(tally):
    User = get_user_model()
    users = {}
    for username, first, last, role in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=first, last_name=last, email=f"{username}@example.com")
            user.set_unusable_password()  # demo people own things; nobody logs in as them
            user.save()
            user.groups.add(Group.objects.get(name=role))
            tally.add("created", "demo user")
        else:
            tally.add("skipped", "demo user")
        users[username] = user
    return users


def _data_sources(users, tally):
    owners = [users["demo.engineer"], users["demo.manager"]]
    existing = {s.name: s for s in DataSource.objects.filter(name__in=[row[0] for row in DATA_SOURCES])}
    for index, (name, source_type, environment, criticality, tags) in enumerate(DATA_SOURCES):
        if name in existing:
            tally.add("skipped", "data source")
            continue
        existing[name] = DataSource.objects.create(
            name=name,
            source_type=source_type,
            environment=environment,
            criticality=criticality,
            tags=[*tags, "demo"],
            owner=owners[index % 2],
            description=f"Demo {source_type.replace('_', ' ')}.",
        )
        tally.add("created", "data source")
    return existing


def _rules(tally, log):
    """One rule per (theme, framework), mapped to that framework's controls.

    Written in bulk with one audit entry for the batch: 120 rules one save at a time (each
    with its own audit entry and M2M signal) was the slowest part of the demo set-up.
    """
    frameworks = {f.code: f for f in Framework.objects.filter(is_builtin=True)}
    controls = {
        (code, ref): pk
        for pk, code, ref in Control.objects.filter(framework__in=frameworks.values()).values_list(
            "pk", "framework__code", "ref_id"
        )
    }
    existing = {
        (r.framework_id, r.name): r
        for r in ComplianceRule.objects.filter(
            framework__in=frameworks.values(), name__in=[theme[0] for theme in RULE_THEMES]
        )
    }
    rules, new, links = [], [], []
    for name, rule_type, severity, source_types, mapping in RULE_THEMES:
        refs_by_code = defaultdict(list)
        for item in mapping.split():
            code, ref = item.split(":", 1)
            refs_by_code[code].append(ref)
        for code, refs in refs_by_code.items():
            framework = frameworks.get(code)
            if framework is None:
                continue  # a user-made framework holds this code: leave it alone
            rule = existing.get((framework.pk, name))
            if rule is None:
                rule = ComplianceRule(
                    name=name,
                    framework=framework,
                    rule_type=rule_type,
                    severity=severity,
                    description=f"{name}. Demo rule checked on: {source_types.replace(' ', ', ')}.",
                    tags=["demo", rule_type],
                    remediation="See the runbook linked from the demo wiki.",
                )
                new.append(rule)
                links.append((rule, [controls[(code, ref)] for ref in refs]))
            rules.append((rule, name, source_types.split()))
    ComplianceRule.objects.bulk_create(new)
    Through = ComplianceRule.controls.through
    Through.objects.bulk_create(
        [
            Through(compliancerule_id=rule.pk, control_id=control_id)
            for rule, control_ids in links
            for control_id in control_ids
        ]
    )
    if new:
        record_event(
            action="seeded",
            changes={"rules_created": [None, len(new)]},
            message=f"Demo organisation: {len(new)} rules created.",
        )
    tally.add("created", "rule", len(new))
    tally.add("skipped", "rule", len(rules) - len(new))
    log(f"  {len(rules)} rules across {len(frameworks)} frameworks")
    return rules


def seed_demo(*, seed, tally, log):
    """Create the demo organisation (see module docstring)."""
    rng = random.Random(seed)
    started = time.monotonic()
    with transaction.atomic():
        users = _users(tally)
        sources = _data_sources(users, tally)
        rules = _rules(tally, log)
    log(f"  {len(sources)} data sources, {len(users)} demo users")
    if RuleEvaluation.objects.filter(source=SOURCE).exists():
        log("  evaluation history already present; skipped")
        tally.add("skipped", "evaluation history")
    else:
        by_type = defaultdict(list)
        for source in sources.values():
            by_type[source.source_type].append(source)
        pairs = make_pairs(rules, by_type, rng)
        history_started = time.monotonic()
        log(f"  writing 180 days of evaluations for {len(pairs)} rule × data source pairs …")
        total, opened = generate_history(pairs=pairs, rng=rng, log=log)
        log(f"  {total} evaluations, {opened} findings opened in {time.monotonic() - history_started:.1f}s")
        tally.add("created", "evaluation", total)
        activity.triage_findings(users=users, rng=rng, tally=tally, log=log)
    activity.seed_workflows(users=users, tally=tally, log=log)
    activity.seed_integrations(users=users, tally=tally, log=log)
    activity.seed_reports(users=users, tally=tally, log=log)
    seed_engagement(users=users, rng=rng, tally=tally, log=log)
    seed_demo_system(sources=sources, tally=tally, log=log)
    log(f"  demo organisation ready in {time.monotonic() - started:.1f}s")
