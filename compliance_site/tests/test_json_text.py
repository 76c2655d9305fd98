"""common.json_text: orjson's text where it means the same, Django's encoder where it would not."""

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from common.json_text import json_bytes, json_text


def test_plain_values_round_trip():
    value = {"resource": "arn:aws:s3:::bucket", "count": 3, "ratio": 0.25, "tags": ["a", "é"], "ok": None, "x": {}}
    assert json.loads(json_text(value)) == value
    assert json.loads(json_bytes(value)) == value
    assert json_text({}) == "{}"


def test_what_orjson_would_write_differently_goes_to_djangos_encoder():
    at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)

    @dataclasses.dataclass
    class Point:
        x: int

    for value in ({"at": at}, {"amount": Decimal("1.10")}, {1: "non-string key"}):
        assert json_text(value) == DjangoJSONEncoder().encode(value)
        assert json_bytes(value) == DjangoJSONEncoder().encode(value).encode()
    # A dataclass is not JSON to Django either: refused as before, not silently written.
    with pytest.raises(TypeError):
        json_text({"p": Point(1)})


def test_size_is_counted_in_utf8_bytes():
    assert len(json_bytes({"k": "é" * 10})) == len('{"k":""}') + 20
