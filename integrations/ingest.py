"""Turning pages of RemoteResults into evaluations: dedup, mapping, validation, recording.

Evaluations are written only through compliance.evaluations (validate_evaluation_rows
then record_evaluations), so findings, scores and the ingest audit
entry stay right. Each page is one transaction: its evaluations and its dedup keys
commit together, so a replayed page (retry, re-run, overlapping pages) creates nothing.
"""

import hashlib
from dataclasses import dataclass, field

from django.db import connection, transaction

from compliance.evaluations import record_evaluations, validate_evaluation_rows
from compliance.models import ComplianceRule, DataSource

from .models import RemoteResource, SyncKey

MAX_LISTED_PROBLEMS = 200
# Pages are small (vendors cap them at 100-1000); ingesting several per transaction
# amortises record_evaluations' fixed cost (audit entry, rollups) per call. Not more:
# record_evaluations takes one advisory lock per (rule, data source) pair, and PostgreSQL's
# shared lock table (max_locks_per_transaction × max_connections ≈ 6,400 by default) is
# shared by every session; 5,000 pairs in one transaction ran out of it under load.
INGEST_BATCH = 2000
MAX_SOURCE_NAME = 200


def sync_key(result):
    """Stable dedup key: the remote id plus the remote timestamp, hashed to a fixed width."""
    raw = f"{result.remote_id}\x1f{result.remote_timestamp}"
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def remember_keys(integration_id, keys):
    """Store dedup keys; on PostgreSQL one INSERT … SELECT unnest() instead of N model objects."""
    if connection.vendor != "postgresql":
        SyncKey.objects.bulk_create(
            [SyncKey(integration_id=integration_id, key=k) for k in keys], ignore_conflicts=True
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SyncKey._meta.db_table} (integration_id, key, created_at) "
            "SELECT %s, k, now() FROM unnest(%s::varchar[]) AS k ON CONFLICT DO NOTHING",
            [integration_id, keys],
        )


@dataclass
class Counts:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    problems: list = field(default_factory=list)
    rules_fed: set = field(default_factory=set)  # rules that received evaluations (the snapshot's controls)

    def problem(self, result, reason):
        """Count an unusable result and list it (up to a limit) in the sync log."""
        self.failed += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(
                {
                    "remote_id": str(getattr(result, "remote_id", ""))[:300],
                    "resource_id": str(getattr(result, "resource_id", ""))[:300],
                    "rule_key": str(getattr(result, "rule_key", ""))[:200],
                    "reason": reason[:300],
                }
            )


def resolve_rule_mapping(integration):
    """{remote rule key: rule id} for mapped rules that exist and are in the integration's scope,
    and {key: reason} for mappings that cannot be used."""
    mapping = (integration.config or {}).get("rule_mapping") or {}
    rules = ComplianceRule.objects.filter(pk__in=set(mapping.values()))
    framework_ids = set(integration.frameworks.values_list("pk", flat=True))
    found = dict(rules.values_list("pk", "framework_id"))
    usable, broken = {}, {}
    for key, rule_id in mapping.items():
        if rule_id not in found:
            broken[key] = f"mapped rule {rule_id} does not exist"
        elif framework_ids and found[rule_id] not in framework_ids:
            broken[key] = f"mapped rule {rule_id} is outside the integration's frameworks"
        else:
            usable[key] = rule_id
    return usable, broken


def _source_name(provider_slug, result):
    name = f"{provider_slug}: {result.resource_id}"
    if len(name) <= MAX_SOURCE_NAME:
        return name
    digest = hashlib.sha256(result.resource_id.encode()).hexdigest()[:12]
    return f"{name[: MAX_SOURCE_NAME - 14]}…{digest}"


def data_sources_for(provider, results):
    """{resource id: DataSource id}, found by remote resource id or created on first sight."""
    wanted = {r.resource_id: r for r in results}
    known = dict(
        RemoteResource.objects.filter(provider=provider.slug, resource_id__in=list(wanted)).values_list(
            "resource_id", "data_source_id"
        )
    )
    missing = [wanted[rid] for rid in wanted if rid not in known]
    if missing:
        names = {r.resource_id: _source_name(provider.slug, r) for r in missing}
        existing = dict(DataSource.objects.filter(name__in=list(names.values())).values_list("name", "pk"))
        links = []
        for result in missing:
            name = names[result.resource_id]
            source_id = existing.get(name)
            if source_id is None:
                # One by one on purpose: DataSource is audited through its save signals.
                source_id = DataSource.objects.create(
                    name=name,
                    source_type=provider.source_type,
                    tags=[provider.slug],
                    description=f"Found by the {provider.name} integration: {result.resource_id}"[:2000],
                ).pk
                existing[name] = source_id
            links.append(
                RemoteResource(provider=provider.slug, resource_id=result.resource_id, data_source_id=source_id)
            )
        # Another integration of the same provider may have linked it meanwhile.
        RemoteResource.objects.bulk_create(links, ignore_conflicts=True)
        known.update(
            RemoteResource.objects.filter(
                provider=provider.slug, resource_id__in=[r.resource_id for r in missing]
            ).values_list("resource_id", "data_source_id")
        )
    return known


class PageIngester:
    """Ingest pages for one sync run; holds the run's counts and its rule mapping."""

    def __init__(self, *, integration, provider, counts, batch_size=INGEST_BATCH):
        self.buffer = []
        self.batch_size = batch_size
        self.integration = integration
        self.provider = provider
        self.counts = counts
        self.rules, self.broken_rules = resolve_rule_mapping(integration)
        self.source = f"integration:{integration.pk}"

    def _usable(self, result):
        """None when the result can be mapped, else the reason it cannot."""
        if result.status is None:
            return f"unknown remote state {result.raw_status!r}"
        if not result.resource_id:
            return "no resource id"
        if result.evaluated_at is None:
            return "no usable timestamp"
        if result.rule_key in self.broken_rules:
            return self.broken_rules[result.rule_key]
        if result.rule_key not in self.rules:
            return f"no rule mapped for {result.rule_key!r}"
        return None

    def add(self, page):
        """Buffer one remote page; ingest once a batch is full."""
        self.buffer.extend(page)
        if len(self.buffer) >= self.batch_size:
            self.flush()

    def flush(self):
        """Ingest what is buffered (call once more after the last page, and on errors)."""
        page, self.buffer = self.buffer, []
        if page:
            self.ingest(page)

    @transaction.atomic
    def ingest(self, page):
        """Dedup, map, validate and record one batch; its keys commit with its evaluations."""
        counts = self.counts
        counts.fetched += len(page)
        keyed, seen = [], set()
        for result in page:
            key = sync_key(result)
            if key in seen:
                counts.skipped += 1
                continue
            seen.add(key)
            keyed.append((key, result))
        done = set(
            SyncKey.objects.filter(integration=self.integration, key__in=[k for k, _ in keyed]).values_list(
                "key", flat=True
            )
        )
        fresh = []
        for key, result in keyed:
            if key in done:
                counts.skipped += 1
                continue
            reason = self._usable(result)
            if reason:
                counts.problem(result, reason)
            else:
                fresh.append((key, result))
        if not fresh:
            return
        sources = data_sources_for(self.provider, [r for _, r in fresh])
        raw = [self._raw_row(result, sources) for _, result in fresh]
        rows, errors = validate_evaluation_rows(raw)
        if errors:
            bad = {error["index"]: error["errors"] for error in errors}
            for index, problem in bad.items():
                counts.problem(fresh[index][1], "; ".join(f"{k}: {' '.join(v)}" for k, v in problem.items()))
            fresh = [item for index, item in enumerate(fresh) if index not in bad]
            rows, _ = validate_evaluation_rows([raw[i] for i in range(len(raw)) if i not in bad])
        result = record_evaluations(rows=rows, source=self.source)
        remember_keys(self.integration.pk, [key for key, _ in fresh])
        counts.created += len(result.evaluations)
        counts.rules_fed.update(row.rule_id for row in rows)
        counts.updated += len(result.opened) + len(result.reopened) + len(result.resolved)

    def _raw_row(self, result, sources):
        details = {**result.details, "remote_id": result.remote_id[:500], "remote_rule": result.rule_key[:200]}
        return {
            "rule": self.rules[result.rule_key],
            "data_source": sources[result.resource_id],
            "status": result.status,
            "evaluated_at": result.evaluated_at.isoformat(),
            "details": details,
            "source": self.source,
        }
