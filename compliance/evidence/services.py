"""Every write to evidence, and the one audited way its bytes leave the server.

Keyword-only and atomic. A file's bytes are hashed and checked in one pass before they are
stored; the row is written after the file, and a rolled-back transaction removes the file
again, so nothing is ever half-written.
"""

import json
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone

from audit.services import record_event
from common.exceptions import ConflictError, TooLargeError

from .content import CHUNK, ContentMismatch, digest
from .models import Evidence, evidence_storage

RELATED = ("controls", "rules", "findings", "shared_with")
# What a new version takes over from the one it replaces unless the request says otherwise.
INHERITED = (
    "name",
    "description",
    "collected_at",
    "covers_from",
    "covers_to",
    "source",
    "valid_for_days",
    "access_level",
    "tags",
    "workflow_step_ids",
    *RELATED,
)


def canonical_record(record):
    """The stored bytes of a structured record: sorted keys, no spaces, UTF-8 (hashable)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _declared_type(upload, media_type):
    declared = (media_type or getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if not declared:
        raise ValidationError({"media_type": ["Say what the file is (media_type, or the part's Content-Type)."]})
    if declared not in settings.EVIDENCE_MEDIA_TYPES:
        raise ValidationError({"media_type": [f"{declared} is not an accepted evidence type."]})
    return declared


def check_size(size):
    limit = settings.EVIDENCE_MAX_UPLOAD_BYTES
    if size is not None and size > limit:
        raise TooLargeError(f"Evidence files are limited to {limit} bytes; this one has {size}.")


def _store(*, upload, record, media_type):
    """Hash, check and store the bytes; return (storage name, sha256, size, media type, is_record)."""
    if (upload is None) == (record is None):
        raise ValidationError({"file": ["Send either a file or a JSON record, not both and not neither."]})
    if record is not None:
        upload, media_type = ContentFile(canonical_record(record), name="record.json"), "application/json"
    check_size(upload.size)
    declared = _declared_type(upload, media_type)
    upload.seek(0)
    try:
        sha256, size = digest(upload.chunks(CHUNK), media_type=declared)
    except ContentMismatch as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    check_size(size)
    upload.seek(0)
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in (upload.name or "evidence"))[-100:].lstrip(".")
    name = evidence_storage().save(f"{uuid.uuid4().hex}/{safe or 'evidence'}", upload)
    return name, sha256, size, declared, record is not None


def _fields_from(data):
    plain = {key: value for key, value in data.items() if key not in RELATED}
    related = {key: value for key, value in data.items() if key in RELATED}
    return plain, related


def _write(*, data, upload, record, media_type, actor, integration_id, sync_log_id, replaces=None):
    name, sha256, size, declared, is_record = _store(upload=upload, record=record, media_type=media_type)
    # Django has no on-rollback hook: a failure from here on removes the stored file itself.
    try:
        with transaction.atomic():
            plain, related = _fields_from(data)
            plain.setdefault("collected_at", timezone.now())
            plain.setdefault("name", upload.name if upload is not None else "record")
            person = actor if actor is not None and actor.is_authenticated else None
            evidence = Evidence(
                **plain,
                file=name,
                sha256=sha256,
                size=size,
                media_type=declared,
                is_record=is_record,
                collected_by=person if integration_id is None else None,
                collected_by_integration_id=integration_id,
                sync_log_id=sync_log_id,
                created_by=person,
                replaces=replaces,
                version=replaces.version + 1 if replaces else 1,
            )
            evidence.derive_expiry()
            evidence.clean()
            evidence.save()
            for key, values in related.items():
                getattr(evidence, key).set(values)
            if replaces is not None:
                record_event(
                    action="evidence_versioned",
                    instance=evidence,
                    message=f"v{evidence.version} replaces #{replaces.pk} (v{replaces.version})",
                    changes={"replaces": [None, replaces.pk], "sha256": [replaces.sha256, evidence.sha256]},
                )
    except BaseException:
        evidence_storage().delete(name)
        raise
    # An outer transaction that rolls back later leaves the file; the row that names it is gone.
    return evidence


def add_evidence(*, data, upload=None, record=None, media_type=None, actor=None, integration_id=None, sync_log_id=None):
    """Store a new evidence item (version 1) from an uploaded file or a JSON record.

    `data`: the metadata fields (name, controls, collected_at, covers_from, covers_to, source,
    valid_for_days, access_level, tags, ...). ValidationError names the field at fault;
    common.exceptions.TooLargeError when the file is over EVIDENCE_MAX_UPLOAD_BYTES.
    """
    return _write(
        data=data,
        upload=upload,
        record=record,
        media_type=media_type,
        actor=actor,
        integration_id=integration_id,
        sync_log_id=sync_log_id,
    )


def add_version(*, evidence, data, upload=None, record=None, media_type=None, actor=None):
    """A correction: a new item that replaces `evidence` (which stays readable); metadata not
    given is taken over from it. Only the newest version can be replaced (ConflictError)."""
    with transaction.atomic():
        current = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if Evidence.objects.filter(replaces=current).exists():
            raise ConflictError(f"Version {current.version} has already been replaced; add a version to the newest.")
        inherited = {}
        for key in INHERITED:
            if key in data:
                inherited[key] = data[key]
            elif key in RELATED:
                inherited[key] = list(getattr(current, key).values_list("pk", flat=True))
            else:
                inherited[key] = getattr(current, key)
        return _write(
            data=inherited,
            upload=upload,
            record=record,
            media_type=media_type,
            actor=actor,
            integration_id=current.collected_by_integration_id if actor is None else None,
            sync_log_id=None,
            replaces=current,
        )


def refuse_delete(evidence):
    """Why `evidence` cannot be deleted now, or None: a newer version, or anything that
    refers to it with a protecting foreign key (an engagement's request answers, for one)."""
    if Evidence.objects.filter(replaces=evidence).exists():
        return "a newer version replaces it; the history of a correction is kept"
    for relation in evidence._meta.related_objects:
        if relation.related_model is Evidence or getattr(relation, "on_delete", None) is not models.PROTECT:
            continue
        if relation.related_model._default_manager.filter(**{relation.field.name: evidence}).exists():
            return f"{relation.related_model._meta.verbose_name_plural} refer to it"
    return None


@transaction.atomic
def delete_evidence(*, evidence, actor=None):
    """Delete an item no engagement and no newer version refers to (ConflictError otherwise)."""
    reason = refuse_delete(evidence)
    if reason:
        raise ConflictError(f"This evidence cannot be deleted: {reason}.")
    storage, name = evidence_storage(), evidence.file.name
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))


def open_download(*, evidence):
    """(file handle, download name) of a visible item; audited. The caller checked visibility."""
    handle = evidence_storage().open(evidence.file.name, "rb")
    record_event(
        action="evidence_downloaded",
        instance=evidence,
        message=f"{evidence.media_type} {evidence.size} bytes sha256={evidence.sha256}",
        changes={"access_level": [None, evidence.access_level], "sha256": [None, evidence.sha256]},
    )
    base = evidence.file.name.rsplit("/", 1)[-1]
    return handle, base
