"""Integration operations: keyword-only, atomic where they write, the one place that mutates.

The API, the admin actions, the tasks and the management command all call these.
"""

import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import record_event
from common.queueing import enqueue_on_commit
from compliance.models import ComplianceRule

from . import registry
from .choices import SCHEDULABLE_STATUSES, Health, IntegrationStatus, LogKind, LogStatus
from .fields import DecryptionError, rotate_token
from .models import Integration, IntegrationLog
from .providers.base import ProviderError
from .sync import run_sync  # noqa: F401 - re-exported: the sync entry point is a service

EDITABLE_FIELDS = ("name", "description", "config", "sync_frequency_minutes", "status")
USER_SETTABLE_STATUSES = (IntegrationStatus.ACTIVE, IntegrationStatus.INACTIVE, IntegrationStatus.CONFIGURED)


def _provider_or_error(slug):
    try:
        return registry.get(slug)
    except registry.UnknownProvider as exc:
        raise ValidationError({"provider": [str(exc)]}) from None


def _validate(provider, *, config, credentials=None):
    errors = provider.validate_config(config)
    if credentials is not None:
        errors.update(provider.validate_credentials(credentials, config))
    if errors:
        raise ValidationError(errors)
    mapping = config.get("rule_mapping") or {}
    if mapping:
        missing = set(mapping.values()) - set(
            ComplianceRule.objects.filter(pk__in=set(mapping.values())).values_list("pk", flat=True)
        )
        if missing:
            raise ValidationError({"config": [f"rule_mapping names rules that do not exist: {sorted(missing)[:20]}."]})


def validate_settings(*, provider, config, credentials=None):
    """Raise ValidationError unless config (and credentials, when given) suit the provider."""
    _validate(_provider_or_error(provider), config=config, credentials=credentials)


def _store_credentials(integration, provider, credentials):
    """Put new credentials on the instance; return (audit action, names of the fields set)."""
    rotated = integration.credentials_set
    integration.credentials = credentials
    integration.credentials_hint = provider.credentials_hint(credentials)
    integration.credentials_updated_at = timezone.now()
    fields = {"credentials", "credentials_hint", "credentials_updated_at"}
    if integration.status in (IntegrationStatus.ERROR, IntegrationStatus.PENDING):
        # New credentials are a fresh start: the dispatcher may try again.
        integration.status = IntegrationStatus.CONFIGURED
        integration.consecutive_failures = 0
        integration.status_message = ""
        fields |= {"status", "consecutive_failures", "status_message"}
    return ("integration_credentials_rotated" if rotated else "integration_credentials_set"), fields


def _audit_credentials(integration, action, fields):
    record_event(
        action=action,
        instance=integration,
        impact_level="critical",
        message=f"Credentials of {integration.name} were {'replaced' if action.endswith('rotated') else 'set'} "
        f"(fields: {', '.join(sorted(fields))}).",
        changes={"credentials_hint": [None, integration.credentials_hint]},
    )


@transaction.atomic
def create_integration(
    *,
    name,
    provider,
    config=None,
    credentials=None,
    frameworks=(),
    description="",
    sync_frequency_minutes=None,
    created_by=None,
):
    """Create an integration after validating its config (JSON Schema) and credentials."""
    spec = _provider_or_error(provider)
    config = config or {}
    _validate(spec, config=config, credentials=credentials)
    integration = Integration(
        name=name,
        provider=spec.slug,
        integration_type=spec.integration_type,
        description=description,
        config=config,
        created_by=created_by,
        sync_frequency_minutes=spec.default_sync_minutes if sync_frequency_minutes is None else sync_frequency_minutes,
        status=IntegrationStatus.CONFIGURED
        if credentials or not spec.required_credentials(config)
        else IntegrationStatus.PENDING,
    )
    integration.next_sync_at = timezone.now() if integration.sync_frequency_minutes else None
    action = _store_credentials(integration, spec, credentials)[0] if credentials else None
    integration.full_clean(exclude=["credentials", "config", "provider", "integration_type"])
    integration.save()
    integration.frameworks.set(frameworks)
    if action:
        _audit_credentials(integration, action, credentials)
    return integration


@transaction.atomic
def update_integration(*, integration, changes):
    """Apply edits; `credentials` (if given) replaces the stored ones and is audited as critical.

    Only the columns the edit sets are written: a sync may be running on the same row (its
    lease, statistics and last-sync fields), and this instance holds what was loaded before.
    """
    spec = _provider_or_error(integration.provider)
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"credentials", "frameworks"}
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in unknown})
    if "status" in changes and changes["status"] not in USER_SETTABLE_STATUSES:
        raise ValidationError(
            {"status": [f"Set one of {', '.join(USER_SETTABLE_STATUSES)}; the rest are set by syncs."]}
        )
    config = changes.get("config", integration.config)
    credentials = changes.get("credentials")
    _validate(spec, config=config, credentials=credentials)
    written = {name for name in EDITABLE_FIELDS if name in changes}
    for name in written:
        setattr(integration, name, changes[name])
    if "sync_frequency_minutes" in changes:
        integration.next_sync_at = timezone.now() if integration.sync_frequency_minutes else None
        written.add("next_sync_at")
    action = None
    if credentials is not None:
        action, fields = _store_credentials(integration, spec, credentials)
        written |= fields
    integration.full_clean(exclude=["credentials", "config", "provider", "integration_type"])
    integration.save(update_fields=sorted(written | {"updated_at"}))
    if "frameworks" in changes:
        integration.frameworks.set(changes["frameworks"])
    if action:
        _audit_credentials(integration, action, credentials)
    return integration


@transaction.atomic
def delete_integration(*, integration, actor=None):
    """Delete an integration with its logs and sync keys (one cascading DELETE each)."""
    integration.delete()


def test_connection(*, integration, trigger="api"):
    """One cheap authenticated call with a short timeout, no retries.

    Returns {"ok", "message", "latency_ms"}; logs the attempt and audits it.
    """
    started = time.monotonic()
    ok, message = False, ""
    try:
        provider = registry.get(integration.provider)
        timeout = settings.INTEGRATIONS_TEST_TIMEOUT
        client = provider.client(
            config=integration.config, credentials=integration.credentials, timeout=(timeout, timeout), max_attempts=1
        )
        message = provider.test_connection(client)
        ok = True
    except (ProviderError, DecryptionError, registry.UnknownProvider) as exc:
        message = str(exc)
    latency = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        IntegrationLog.objects.create(
            integration=integration,
            kind=LogKind.TEST_CONNECTION,
            trigger=trigger,
            status=LogStatus.SUCCESS if ok else LogStatus.FAILED,
            finished_at=timezone.now(),
            duration_ms=latency,
            message=message if ok else "",
            error="" if ok else message,
        )
        changes = {"status_message": "" if ok else message}
        if ok and integration.status != IntegrationStatus.INACTIVE:
            changes.update(status=IntegrationStatus.ACTIVE)
            if integration.health in (Health.UNKNOWN, Health.UNHEALTHY):
                changes["health"] = Health.HEALTHY
        elif not ok:
            changes.update(status=IntegrationStatus.ERROR, health=Health.UNHEALTHY)
        Integration.objects.filter(pk=integration.pk).update(**changes)
        for name, value in changes.items():
            setattr(integration, name, value)
        record_event(
            action="integration_connection_tested",
            instance=integration,
            message=f"{integration.name}: {'ok' if ok else 'failed'} in {latency} ms. {message}"[:2000],
            impact_level="low" if ok else "medium",
        )
    return {"ok": ok, "message": message, "latency_ms": latency}


def request_sync(*, integration, trigger="manual"):
    """Queue a sync on the integrations queue after commit; return the task id."""
    record_event(
        action="integration_sync_requested",
        instance=integration,
        message=f"Sync of {integration.name} requested ({trigger}).",
    )
    return enqueue_on_commit(
        "integrations.sync_integration", kwargs={"integration_id": integration.pk, "trigger": trigger}
    )


def dispatch_due_syncs(*, now=None):
    """Queue a sync for every schedulable integration whose next_sync_at has come.

    next_sync_at moves forward before the task is queued, so a dispatcher that runs again
    a minute later does not queue the same integration twice.
    """
    from datetime import timedelta

    now = now or timezone.now()
    queued = []
    with transaction.atomic():
        due = list(
            Integration.objects.defer("credentials")
            .select_for_update(skip_locked=True)
            .filter(status__in=SCHEDULABLE_STATUSES, sync_frequency_minutes__gt=0)
            .filter(Q(next_sync_at__lte=now) | Q(next_sync_at__isnull=True))
            .order_by("next_sync_at")[:500]
        )
        for integration in due:
            Integration.objects.filter(pk=integration.pk).update(
                next_sync_at=now + timedelta(minutes=integration.sync_frequency_minutes)
            )
            enqueue_on_commit(
                "integrations.sync_integration", kwargs={"integration_id": integration.pk, "trigger": "schedule"}
            )
            queued.append(integration.pk)
    return queued


@transaction.atomic
def rotate_encryption_keys():
    """Re-encrypt every stored credential with the newest key; return how many were rotated.

    All or nothing: one value that no key decrypts stops the rotation with its id.
    """
    from django.db import connection

    rotated = 0
    # Raw SQL on purpose: the ORM would decrypt through from_db_value; rotation works on tokens.
    table = Integration._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, credentials FROM {table} WHERE credentials <> '' ORDER BY id FOR UPDATE"
            if connection.vendor == "postgresql"
            else f"SELECT id, credentials FROM {table} WHERE credentials <> '' ORDER BY id"
        )
        rows = cursor.fetchall()
        for pk, token in rows:
            try:
                new_token = rotate_token(token)
            except DecryptionError:
                raise DecryptionError(
                    f"Integration {pk}: stored credentials cannot be decrypted; nothing was rotated."
                ) from None
            cursor.execute(f"UPDATE {table} SET credentials = %s WHERE id = %s", [new_token, pk])
            rotated += 1
    record_event(
        action="encryption_keys_rotated",
        impact_level="critical",
        message=f"Re-encrypted the credentials of {rotated} integration(s) with the newest key.",
    )
    return rotated
