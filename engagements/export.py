"""One ZIP per engagement, verifiable away from the platform (tools/verify_engagement_export.py).

Layout: manifest.json; populations/<id>.txt (the exact member text each SHA-256 is over);
evidence/<id>/<name> (every evidence file the requests were answered with);
audit-trail.json (every audit entry about this engagement and its populations, samples,
requests and sign-offs, and the period's entries about its evidence and its controls'
rules). manifest.json lists every other file with its SHA-256 and size, the populations
with their hashes, the samples with their seeds, the requests and sign-offs.
"""

import hashlib
import json
import tempfile
import zipfile

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditLog
from audit.services import record_event
from compliance.evidence.models import evidence_storage
from compliance.models import ComplianceRule, Evidence

from . import sampling
from .models import Engagement, EvidenceRequest, Population, Sample, SignOff
from .services import period_bounds

FORMAT = "engagement-export/1"
CHUNK = 1024 * 1024


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def _audit_rows(engagement, evidence_ids):
    start, end = period_bounds(engagement)
    types = ContentType.objects.get_for_models(Engagement, Population, Sample, EvidenceRequest, SignOff, Evidence)
    rule_ids = ComplianceRule.objects.filter(controls__in=engagement.scope_controls()).values_list("pk", flat=True)
    about = Q(content_type=types[Evidence], object_id__in=[str(pk) for pk in evidence_ids]) | Q(
        content_type=ContentType.objects.get_for_model(ComplianceRule), object_id__in=[str(pk) for pk in rule_ids]
    )
    own = Q(content_type=types[Engagement], object_id=str(engagement.pk))
    for model, related in ((Population, "populations"), (Sample, "samples"), (EvidenceRequest, "requests")):
        ids = [str(pk) for pk in getattr(engagement, related).values_list("pk", flat=True)]
        own |= Q(content_type=types[model], object_id__in=ids)
    own |= Q(
        content_type=types[SignOff], object_id__in=[str(pk) for pk in engagement.sign_offs.values_list("pk", flat=True)]
    )
    entries = AuditLog.objects.filter((about & Q(timestamp__gte=start, timestamp__lt=end)) | own).order_by("id")
    return [
        {
            "id": entry.pk,
            "timestamp": _iso(entry.timestamp),
            "actor": entry.actor_username,
            "action": entry.action,
            "content_type": entry.content_type_id,
            "object_id": entry.object_id,
            "object_repr": entry.object_repr,
            "changes": entry.changes,
            "content_hash": entry.content_hash,
        }
        for entry in entries.iterator(chunk_size=2000)
    ]


def build_export(*, engagement, actor=None):
    """A temporary file holding the engagement's ZIP (the caller streams and closes it)."""
    populations = list(engagement.populations.select_related("control").order_by("id"))
    samples = list(engagement.samples.order_by("id"))
    requests = list(
        engagement.requests.select_related("control", "assignee").prefetch_related("answer_rows").order_by("id")
    )
    sign_offs = list(engagement.sign_offs.select_related("control", "signed_by").order_by("control__ref_id"))
    evidence_ids = sorted({row.evidence_id for request in requests for row in request.answer_rows.all()})
    evidence = list(Evidence.objects.filter(pk__in=evidence_ids).order_by("pk"))
    files = []
    handle = tempfile.TemporaryFile()  # noqa: SIM115 — handed to the response, which closes it
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add_bytes(path, data):
            archive.writestr(path, data)
            files.append({"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})

        for population in populations:
            add_bytes(f"populations/{population.pk}.txt", population.members.encode())
        storage = evidence_storage()
        for item in evidence:
            path = f"evidence/{item.pk}/{item.file.name.rsplit('/', 1)[-1]}"
            sha, size = hashlib.sha256(), 0
            with storage.open(item.file.name, "rb") as source, archive.open(path, "w", force_zip64=True) as target:
                while chunk := source.read(CHUNK):
                    sha.update(chunk)
                    size += len(chunk)
                    target.write(chunk)
            files.append({"path": path, "sha256": sha.hexdigest(), "size": size, "evidence": item.pk})
        add_bytes("audit-trail.json", json.dumps(_audit_rows(engagement, evidence_ids), indent=1).encode())
        manifest = {
            "format": FORMAT,
            "generated_at": _iso(timezone.now()),
            "engagement": {
                "id": engagement.pk,
                "name": engagement.name,
                "framework": engagement.framework.code,
                "period_start": engagement.period_start.isoformat(),
                "period_end": engagement.period_end.isoformat(),
                "status": engagement.status,
                "auditors": sorted(user.get_username() for user in engagement.auditors.all()),
            },
            "hashing": {
                "population": 'sha256 of the member ids, ascending, as decimal text joined by "\\n"',
                "sample": 'the `size` members with the smallest sha256(f"{seed}:{member}"), smallest first',
            },
            "files": files,
            "populations": [
                {
                    "id": p.pk,
                    "control": p.control.ref_id,
                    "kind": p.kind,
                    "size": p.size,
                    "sha256": p.sha256,
                    "members_path": f"populations/{p.pk}.txt",
                    "frozen_at": _iso(p.frozen_at),
                }
                for p in populations
            ],
            "samples": [
                {
                    "id": s.pk,
                    "population": s.population_id,
                    "seed": s.seed,
                    "size": s.size,
                    "frequency": s.frequency or None,
                    "members": s.members,
                }
                for s in samples
            ],
            "evidence": [
                {
                    "id": e.pk,
                    "name": e.name,
                    "sha256": e.sha256,
                    "size": e.size,
                    "media_type": e.media_type,
                    "collected_at": _iso(e.collected_at),
                    "covers_from": e.covers_from.isoformat() if e.covers_from else None,
                    "covers_to": e.covers_to.isoformat() if e.covers_to else None,
                    "source": e.source,
                    "version": e.version,
                    "replaces": e.replaces_id,
                }
                for e in evidence
            ],
            "requests": [
                {
                    "id": r.pk,
                    "control": r.control.ref_id,
                    "sample": r.sample_id,
                    "member": r.member,
                    "title": r.title,
                    "assignee": r.assignee.get_username(),
                    "due_at": _iso(r.due_at),
                    "status": r.status,
                    "comment": r.comment,
                    "evidence": sorted(row.evidence_id for row in r.answer_rows.all()),
                }
                for r in requests
            ],
            "sign_offs": [
                {
                    "control": s.control.ref_id,
                    "result": s.result,
                    "note": s.note,
                    "finding": s.finding_id,
                    "signed_by": s.signed_by.get_username() if s.signed_by else None,
                    "signed_at": _iso(s.signed_at),
                }
                for s in sign_offs
            ],
        }
        # Checked here as the verifier will: a sample that does not redraw is a bug, not an export.
        for sample in manifest["samples"]:
            population = next(p for p in populations if p.pk == sample["population"])
            if sampling.draw(population.member_ids(), seed=sample["seed"], size=sample["size"]) != sample["members"]:
                raise RuntimeError(f"Sample {sample['id']} does not redraw from its population.")
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
    record_event(action="engagement_exported", instance=engagement, message=f"{len(files)} files")
    handle.seek(0)
    return handle
