"""common.bound: big-array statements, their lists sent as PostgreSQL array literals."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from common import bound
from compliance.choices import EvaluationStatus

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's array literals"),
]
UTC = datetime.UTC
AT = datetime.datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _round_trip(values, kind):
    ((back,),) = bound.execute(f"SELECT %s::{kind}[]", [values], binary=True)
    return back


@pytest.mark.parametrize(
    "values, kind",
    [
        (list(range(-5, 200)), "bigint"),
        ([0.1, 2.5e-300, 1e300, -0.0, 100.0] * 20, "float8"),
        ([AT + datetime.timedelta(microseconds=i) for i in range(100)], "timestamptz"),
        ([AT.astimezone(datetime.timezone(datetime.timedelta(hours=-5)))] * 70, "timestamptz"),
        ([datetime.date(2026, 1, 1) + datetime.timedelta(days=i) for i in range(100)], "date"),
        (['a "quoted" \\ back,slash {brace}', "NULL", "", " spaced ", "ünïcode"] * 20, "text"),
        ([1, None, 3] * 30, "bigint"),
        ([None] * 70, "text"),
    ],
)
def test_lists_come_back_as_they_went(values, kind):
    assert bound.array_literal(values) is not None
    assert _round_trip(values, kind) == values


def test_text_choices_go_as_their_values():
    values = [EvaluationStatus.PASSED, EvaluationStatus.FAILED] * 40
    assert bound.array_literal(values).startswith('{"passed","failed"')
    assert _round_trip(values, "text") == [str(v) for v in values]


@pytest.mark.parametrize(
    "values",
    [
        [True, False] * 40,  # bool is an int, but str(True) is no bigint
        [1, 2.5] * 40,  # mixed kinds
        [float("nan")] * 70,
        [datetime.datetime(2026, 1, 1)] * 70,  # naive: the session's zone would decide
        [Decimal("1.5")] * 70,
    ],
)
def test_anything_else_goes_through_psycopg(values):
    assert bound.array_literal(values) is None


def test_unsupported_lists_still_bind():
    assert _round_trip([True, False] * 40, "bool") == [True, False] * 40
    assert _round_trip([Decimal("1.5")] * 70, "numeric") == [Decimal("1.5")] * 70
