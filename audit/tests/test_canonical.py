"""The canonical text that entries are hashed over, and the JSON conversion of recorded values.

Both are built piecewise for speed; these tests hold them to the plain definitions:
the sorted-key compact JSON of every recorded field, and DjangoJSONEncoder's text for
what JSON has no type for.
"""

import datetime
import decimal
import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.functional import lazy
from hypothesis import given
from hypothesis import strategies as st

from audit import chain

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer()),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
texts = st.text(max_size=30)  # any Unicode: ensure_ascii escapes it the same way either way
entries = st.fixed_dictionaries(
    {
        # UTC as timezone.now() makes it, and any other zone (rows read back, other callers).
        "timestamp": st.datetimes(timezones=st.just(datetime.UTC) | st.timezones()),
        "actor_id": st.none() | st.integers(1, 10**6),
        "actor_username": texts,
        "action": texts,
        "content_type_id": st.none() | st.integers(1, 500),
        "object_id": texts,
        "object_repr": texts,
        "changes": st.dictionaries(st.text(max_size=12), st.lists(json_values, min_size=2, max_size=2), max_size=5),
        "impact_level": st.sampled_from(["low", "medium", "high", "critical"]),
        "request_id": texts,
        "ip_address": st.none() | st.sampled_from(["10.0.0.1", "2001:db8::1", "::ffff:192.0.2.1"]),
        "user_agent": texts,
        "session_hash": texts,
        "source": st.sampled_from(["web", "api", "admin", "task", "command", "system"]),
        "message": texts,
    }
)


def _plain_canonical_text(values):
    canonical = {name: values[name] for name in chain.CONTENT_FIELDS}
    canonical["timestamp"] = values["timestamp"].astimezone(datetime.UTC).isoformat()
    canonical["ip_address"] = chain._canonical_ip(values["ip_address"])
    canonical["changes"] = chain.json_safe(values["changes"])
    return json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


@given(entries)
def test_the_canonical_text_is_the_sorted_compact_json_of_every_recorded_field(values):
    assert chain.canonical_text(values) == _plain_canonical_text(values)
    changes_text = chain._dumps(chain.json_safe(values["changes"]))
    assert chain.canonical_text(values, changes_text) == _plain_canonical_text(values)


def test_the_canonical_text_has_every_field_once_and_changes_as_recorded():
    values = dict.fromkeys(chain.CONTENT_FIELDS, "")
    values.update(timestamp=timezone.now(), ip_address=None, changes={"b": [1, 2], "a": [None, "x"]})
    decoded = json.loads(chain.canonical_text(values))
    assert set(decoded) == set(chain.CONTENT_FIELDS)
    assert decoded["changes"] == {"a": [None, "x"], "b": [1, 2]}


def _encoder_round_trip(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def test_values_json_has_no_type_for_become_what_djangos_encoder_writes():
    aware = datetime.datetime(2026, 12, 1, 13, 40, 0, 123456, tzinfo=datetime.UTC)
    lazy_text = lazy(lambda: "translated", str)()
    for value in (
        aware,
        aware.replace(microsecond=0),
        aware.replace(tzinfo=None),
        aware.date(),
        aware.time(),
        datetime.timedelta(days=1, seconds=5),
        decimal.Decimal("12.50"),
        uuid.UUID(int=7),
        lazy_text,
    ):
        assert chain.json_safe(value) == _encoder_round_trip(value), value
        assert chain.json_safe({"field": [None, value]}) == {"field": [None, _encoder_round_trip(value)]}


def test_json_safe_keeps_what_jsonb_would_change_stable():
    assert chain.json_safe({"n": [1.0, 1e16], "f": [0.5, float("nan")], 3: (True, None)}) == {
        "n": [1, 10**16],
        "f": [0.5, "nan"],
        "3": [True, None],
    }
