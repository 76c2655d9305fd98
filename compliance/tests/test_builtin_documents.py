"""Built-in frameworks shipped as public-domain documents: NIST SP 800-53 rev5 and FedRAMP 20x KSI."""

import gzip
import json

import pytest

from compliance.models import Control, ControlMapping, ControlRevision, Framework
from compliance.seed.content import seed_frameworks, seed_mappings
from compliance.seed.frameworks import fedramp_ksi
from compliance.seed.tally import Tally

pytestmark = pytest.mark.django_db


def seed():
    tally = Tally()
    seed_frameworks(tally=tally, log=lambda line: None)
    seed_mappings(tally=tally, log=lambda line: None)
    return tally


def snapshot():
    return sorted(
        Control.objects.filter(framework__code__in=["fedramp_20x_ksi", "nist_800_53_rev5"]).values_list(
            "framework__code", "ref_id", "title", "description", "updated_at"
        )
    )


def test_ksi_indicators_are_controls_in_theme_groups_with_800_53_mappings():
    seed()
    ksi = Framework.objects.get(code="fedramp_20x_ksi")
    assert ksi.is_builtin and ksi.version == "0.9.43-beta"
    themes = Control.objects.filter(framework=ksi, is_group=True)
    assert themes.count() == 11
    indicator = Control.objects.get(framework=ksi, ref_id="KSI-CMT-LMC")
    assert indicator.parent.ref_id == "KSI-CMT" and "modifications" in indicator.description
    targets = set(
        ControlMapping.objects.filter(source=indicator).values_list("target__framework__code", "target__ref_id")
    )
    assert ("nist_800_53_rev5", "cm-3.2") in targets and len(targets) == 7
    varying = Control.objects.get(framework=ksi, ref_id="KSI-CNA-EIS")
    assert varying.description.startswith("Use automated services")
    assert {p["id"] for p in varying.parameters} == {"statement-low", "statement-moderate"}


def test_loading_twice_changes_nothing():
    seed()
    before = snapshot()
    mappings = list(ControlMapping.objects.order_by("pk").values_list("pk", "updated_at"))
    tally = seed()
    assert tally.total("created") == 0 and tally.total("updated") == 0
    assert snapshot() == before
    assert list(ControlMapping.objects.order_by("pk").values_list("pk", "updated_at")) == mappings
    assert not ControlRevision.objects.exists()


def test_a_newer_version_updates_changed_statements_and_keeps_their_history(tmp_path, monkeypatch):
    seed()
    newer = fedramp_ksi.document()
    newer = json.loads(json.dumps(newer))
    newer["info"]["version"] = "0.9.44-beta"
    indicator = newer["KSI"]["CMT"]["indicators"]["KSI-CMT-LMC"]
    old_statement = indicator["statement"]
    indicator["statement"] = "Log, monitor and alert on modifications to the cloud service offering."
    path = tmp_path / "FRMR.documentation.json.gz"
    path.write_bytes(gzip.compress(json.dumps(newer).encode()))
    monkeypatch.setattr(fedramp_ksi, "DATA", path)  # the shipped file's place: a newer release there
    seed()
    control = Control.objects.get(framework__code="fedramp_20x_ksi", ref_id="KSI-CMT-LMC")
    assert control.description == indicator["statement"]
    revision = ControlRevision.objects.get()
    assert (revision.control, revision.field, revision.old_value, revision.new_value) == (
        control,
        "description",
        old_statement,
        indicator["statement"],
    )
    assert (revision.from_version, revision.to_version) == ("0.9.43-beta", "0.9.44-beta")
    assert revision.changed_at is not None
