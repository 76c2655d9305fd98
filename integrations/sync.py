"""One sync run: take the lease, run the provider's capabilities in order, log, keep score.

The steps are chosen by capability, never by provider name:
pull evaluations → pull ticket status → push findings → push audit events.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.models import AuditLog
from audit.services import record_event
from compliance.choices import ACTIVE_FINDING_STATUSES, SEVERITY_WEIGHTS, FindingStatus
from compliance.models import Finding
from compliance.services import update_finding

from . import registry
from .choices import Capability, Health, IntegrationStatus, LogKind, LogStatus
from .fields import DecryptionError
from .ingest import Counts, PageIngester
from .models import FindingTicket, Integration, IntegrationLog
from .providers.base import AuthenticationFailed, ConfigurationError, ProviderError
from .snapshots import snapshot_evidence, start_recording, stop_recording

logger = logging.getLogger(__name__)

PUSH_BATCH = 200
EVENT_BATCH = 500
MAX_EVENTS_PER_RUN = 10_000


INTERRUPTED = (
    "The worker running this sync stopped before it finished (killed, or over the time limit); a later run took over."
)


def lease_seconds():
    # Longer than the hard time limit: a run whose lease expired has been killed.
    return settings.CELERY_TASK_TIME_LIMIT + 60


def acquire_lock(integration_id, owner=""):
    """Take the integration's sync lease for `owner` (the task id); False when another run holds a live one.

    A message delivered again after its worker died (SIGKILL, out of memory, a lost host)
    has the task id that took the lease, and takes the lease over at once instead of being
    skipped until it expires. The run that took it is dead, not slow: Celery delivers a
    message again only after its worker was lost or after the visibility timeout, which is
    longer than the hard time limit.
    """
    now = timezone.now()
    free = Q(sync_lock_until__isnull=True) | Q(sync_lock_until__lt=now)
    if owner:
        free |= Q(sync_lock_owner=owner)
    return bool(
        Integration.objects.filter(pk=integration_id)
        .filter(free)
        .update(sync_lock_until=now + timedelta(seconds=lease_seconds()), sync_lock_owner=owner)
    )


def release_lock(integration_id, owner=""):
    Integration.objects.filter(pk=integration_id, sync_lock_owner=owner).update(
        sync_lock_until=None, sync_lock_owner=""
    )


def open_log(integration, *, trigger, task_id):
    """The log of a run that holds the lease; (log, resumed).

    Holding the lease means every other running log of the integration is a dead run's. The
    one with this task id is this task's earlier delivery: it is carried on, so a task has
    one log. Any other is closed as failed, so no log says `running` forever.
    """
    running = IntegrationLog.objects.filter(integration=integration, kind=LogKind.SYNC, status=LogStatus.RUNNING)
    earlier = running.filter(task_id=task_id).first() if task_id else None
    dead = running.exclude(pk=earlier.pk) if earlier else running
    dead.update(status=LogStatus.FAILED, finished_at=timezone.now(), error=INTERRUPTED)
    if earlier:
        return earlier, True
    return IntegrationLog.objects.create(
        integration=integration, kind=LogKind.SYNC, trigger=trigger, task_id=task_id
    ), False


def findings_in_scope(integration):
    """Findings this integration may push: its frameworks (all when none) and min severity."""
    queryset = Finding.objects.select_related("rule__framework", "data_source")
    framework_ids = list(integration.frameworks.values_list("pk", flat=True))
    if framework_ids:
        queryset = queryset.filter(rule__framework_id__in=framework_ids)
    floor = SEVERITY_WEIGHTS.get((integration.config or {}).get("min_severity", "low"), 1)
    return queryset.filter(severity__in=[s for s, w in SEVERITY_WEIGHTS.items() if w >= floor])


# --- steps ------------------------------------------------------------------------------
def pull_evaluations(run):
    ingester = PageIngester(integration=run.integration, provider=run.provider, counts=run.counts)
    run.transcript = start_recording(run.client)
    try:
        for page in run.provider.fetch_pages(run.client, state=run.integration.sync_state):
            ingester.add(page)
    finally:
        stop_recording(run.client)
        # Pages fetched before a failure are kept: the next run skips them by their keys.
        ingester.flush()


def pull_ticket_status(run):
    tickets = list(
        FindingTicket.objects.filter(integration=run.integration, finding__status__in=ACTIVE_FINDING_STATUSES)
        .select_related("finding")
        .order_by("id")[:1000]
    )
    if not tickets:
        return
    states = run.provider.ticket_states(run.client, tickets)
    for ticket in tickets:
        state = states.get(ticket.remote_id)
        if state is None:
            continue
        with transaction.atomic():
            if state.status != ticket.remote_status:
                ticket.remote_status = state.status
                ticket.save(update_fields=["remote_status", "updated_at"])
            if state.done:
                update_finding(finding=ticket.finding, changes={"status": FindingStatus.RESOLVED})
                run.counts.updated += 1


def push_findings(run):
    if not (run.integration.config or {}).get("push_findings", True):
        return
    if run.provider.finding_delivery == "ticket":
        _push_tickets(run)
    elif run.provider.finding_delivery == "event":
        _push_finding_events(run)


def _push_tickets(run):
    findings = list(
        findings_in_scope(run.integration)
        .filter(status__in=ACTIVE_FINDING_STATUSES)
        .exclude(tickets__integration=run.integration)
        .order_by("opened_at", "id")[:PUSH_BATCH]
    )
    run.counts.fetched += len(findings)
    for finding in findings:
        ref = run.provider.create_ticket(run.client, finding)
        FindingTicket.objects.create(
            integration=run.integration,
            finding=finding,
            remote_id=ref.remote_id[:200],
            remote_key=ref.remote_key[:200],
            remote_url=ref.remote_url[:1000],
            remote_status=ref.remote_status[:100],
        )
        run.counts.created += 1


def _stream(run, *, cursor_name, queryset, position, to_event):
    """Send rows after the saved cursor in batches; advance the cursor after each batch."""
    sent = 0
    while sent < MAX_EVENTS_PER_RUN:
        cursor = run.integration.sync_state.get(cursor_name)
        rows = list(queryset(cursor)[:EVENT_BATCH])
        if not rows:
            return
        run.counts.fetched += len(rows)
        run.provider.send_events(run.client, [to_event(row) for row in rows])
        run.counts.created += len(rows)
        sent += len(rows)
        run.integration.sync_state = {**run.integration.sync_state, cursor_name: position(rows[-1])}
        Integration.objects.filter(pk=run.integration.pk).update(sync_state=run.integration.sync_state)
        if len(rows) < EVENT_BATCH:
            return


def _push_finding_events(run):
    def queryset(cursor):
        rows = findings_in_scope(run.integration).order_by("updated_at", "id")
        if cursor:
            at, pk = cursor
            rows = rows.filter(Q(updated_at__gt=at) | Q(updated_at=at, id__gt=pk))
        return rows

    _stream(
        run,
        cursor_name="findings_cursor",
        queryset=queryset,
        position=lambda f: [f.updated_at.isoformat(), f.pk],
        to_event=run.provider.finding_event,
    )


def _push_audit_events(run):
    def queryset(cursor):
        return AuditLog.objects.filter(id__gt=cursor or 0).order_by("id")

    _stream(
        run, cursor_name="audit_cursor", queryset=queryset, position=lambda e: e.pk, to_event=run.provider.audit_event
    )


STEPS = (
    (Capability.PULL_EVALUATIONS, pull_evaluations),
    (Capability.PULL_TICKET_STATUS, pull_ticket_status),
    (Capability.PUSH_FINDINGS, push_findings),
    (Capability.PUSH_AUDIT_EVENTS, _push_audit_events),
)


class SyncRun:
    def __init__(self, *, integration, provider, client, counts):
        self.integration = integration
        self.provider = provider
        self.client = client
        self.counts = counts
        self.transcript = []  # what the pull step read (integrations/snapshots.py)


def _finish(integration, log, *, counts, error, auth_failed, started, resumed):
    """Close the log and update the integration's statistics, status and health, in one
    transaction: a finished log always comes with its statistics and its audit entry (the
    redelivery check in run_sync trusts a finished log to mean the run was fully counted)."""
    now = timezone.now()
    duration = int((time.monotonic() - started) * 1000)
    failed = error is not None
    log.finished_at, log.duration_ms = now, duration
    log.fetched, log.created, log.updated = counts.fetched, counts.created, counts.updated
    log.skipped, log.failed, log.unmapped = counts.skipped, counts.failed, counts.problems
    log.error = error or ""
    log.status = LogStatus.FAILED if failed else (LogStatus.PARTIAL if counts.failed else LogStatus.SUCCESS)
    log.message = (
        ("Delivered again after its worker was lost; work already done was skipped. " if resumed else "")
        + f"fetched {counts.fetched}, created {counts.created}, updated {counts.updated}, "
        f"skipped {counts.skipped}, failed {counts.failed}"
    )
    threshold = settings.INTEGRATIONS_FAILURES_BEFORE_ERROR
    with transaction.atomic():
        log.save()
        current = Integration.objects.defer("credentials").select_for_update().get(pk=integration.pk)
        changes = {
            "last_sync_at": now,
            "total_syncs": F("total_syncs") + 1,
            "total_sync_duration_ms": F("total_sync_duration_ms") + duration,
        }
        if current.sync_frequency_minutes:
            changes["next_sync_at"] = now + timedelta(minutes=current.sync_frequency_minutes)
        if failed:
            failures = current.consecutive_failures + 1
            changes.update(failed_syncs=F("failed_syncs") + 1, consecutive_failures=failures, status_message=error)
            if auth_failed or failures >= threshold:
                changes.update(status=IntegrationStatus.ERROR, health=Health.UNHEALTHY)
            else:
                changes["health"] = Health.DEGRADED
        else:
            changes.update(
                successful_syncs=F("successful_syncs") + 1,
                consecutive_failures=0,
                last_success_at=now,
                health=Health.DEGRADED if counts.failed else Health.HEALTHY,
                status_message=(
                    f"{counts.failed} result(s) could not be mapped; see the sync log." if counts.failed else ""
                ),
            )
            if current.status != IntegrationStatus.INACTIVE:
                changes["status"] = IntegrationStatus.ACTIVE
        Integration.objects.filter(pk=integration.pk).update(**changes)
        record_event(
            action="integration_sync_failed" if failed else "integration_synced",
            instance=current,
            message=f"{current.name}: {log.status}; {log.message}" + (f"; error: {error}" if error else ""),
            changes={k: [None, getattr(log, k)] for k in ("fetched", "created", "updated", "skipped", "failed")},
            impact_level="medium" if failed else "low",
        )
    return log


def run_sync(*, integration_id, trigger="schedule", task_id="", client=None):
    """Run one sync of an integration; return its IntegrationLog (None if it no longer exists).

    One at a time per integration: a run that finds the lease taken logs `skipped`.
    Once per task: a task delivered again after its run finished returns that run's log.
    Transient errors were already retried by the client; what arrives here is final.
    `client` lets a caller supply a prepared client (botocore Stubber, benchmarks).
    """
    # Credentials are decrypted inside the try below, so a key problem is logged like any failure.
    integration = Integration.objects.defer("credentials").filter(pk=integration_id).first()
    if integration is None:
        return None
    if task_id:
        # The worker can die after the run finished and before the message was acknowledged.
        done = (
            IntegrationLog.objects.filter(integration=integration, kind=LogKind.SYNC, task_id=task_id)
            .exclude(status=LogStatus.RUNNING)
            .first()
        )
        if done:
            return done
    if not acquire_lock(integration_id, owner=task_id):
        return IntegrationLog.objects.create(
            integration=integration,
            kind=LogKind.SYNC,
            status=LogStatus.SKIPPED,
            trigger=trigger,
            task_id=task_id,
            finished_at=timezone.now(),
            duration_ms=0,
            message="Another sync of this integration is running; this one was skipped.",
        )
    started = time.monotonic()
    counts = Counts()
    error, auth_failed = None, False
    log, resumed = open_log(integration, trigger=trigger, task_id=task_id)
    try:
        provider = registry.get(integration.provider)
        if client is None:
            credentials = integration.credentials
            if not credentials and provider.required_credentials(integration.config):
                raise ConfigurationError("No credentials are set for this integration.")
            client = provider.client(config=integration.config, credentials=credentials)
        run = SyncRun(integration=integration, provider=provider, client=client, counts=counts)
        for capability, step in STEPS:
            if capability in provider.capabilities:
                step(run)
    except AuthenticationFailed as exc:
        error, auth_failed = str(exc), True
    except (ProviderError, DecryptionError, registry.UnknownProvider) as exc:
        error = str(exc)
    except Exception as exc:
        logger.exception("Integration %s sync crashed", integration_id)
        error = f"Unexpected error ({type(exc).__name__}); see the worker log."
    finally:
        release_lock(integration_id, owner=task_id)
    if error is None:
        try:
            snapshot_evidence(integration=integration, log=log, calls=run.transcript, rules_fed=counts.rules_fed)
        except Exception:
            # The evaluations are in; a snapshot that cannot be stored must not turn the run into a failure.
            logger.exception("Integration %s: the sync snapshot could not be stored as evidence", integration_id)
    return _finish(
        integration, log, counts=counts, error=error, auth_failed=auth_failed, started=started, resumed=resumed
    )
