"""Keyset cursors walk every evaluation exactly once, even when timestamps tie."""

from datetime import timedelta

import pytest
from django.utils import timezone

from common.roles import AUDITOR
from compliance.evaluations import record_evaluations, validate_evaluation_rows

from .factories import DataSourceFactory, RuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluations():
    rule, sources = RuleFactory(), [DataSourceFactory() for _ in range(3)]
    base = timezone.now() - timedelta(hours=1)
    # 30 rows sharing one timestamp (a bulk ingest) and 20 with distinct ones.
    raw = [
        {"rule": rule.pk, "data_source": sources[i % 3].pk, "status": "passed", "evaluated_at": base.isoformat()}
        for i in range(30)
    ]
    raw += [
        {
            "rule": rule.pk,
            "data_source": sources[i % 3].pk,
            "status": "failed",
            "evaluated_at": (base + timedelta(seconds=i + 1)).isoformat(),
        }
        for i in range(20)
    ]
    rows, errors = validate_evaluation_rows(raw)
    assert not errors
    return record_evaluations(rows=rows).evaluations


def walk(client, url, key="next"):
    seen, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body
        seen.extend(row["id"] for row in body["results"])
        url = body[key]
        pages += 1
        assert pages < 100
    return seen, pages


def test_forward_walk_visits_each_row_once_newest_first(client_as, evaluations):
    client = client_as(AUDITOR)
    seen, pages = walk(client, "/api/v1/evaluations/?page_size=7")
    assert len(seen) == len(set(seen)) == 50
    assert pages == 8
    expected = sorted(evaluations, key=lambda e: (e.evaluated_at, e.pk), reverse=True)
    assert seen == [e.pk for e in expected]


def test_previous_links_walk_back(client_as, evaluations):
    client = client_as(AUDITOR)
    first = client.get("/api/v1/evaluations/?page_size=10").json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    back = client.get(third["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in second["results"]]
    assert first["previous"] is None


def test_filters_combine_with_cursor(client_as, evaluations):
    client = client_as(AUDITOR)
    seen, _ = walk(client, "/api/v1/evaluations/?status=failed&page_size=6")
    assert len(seen) == 20


@pytest.mark.parametrize("cursor", ["garbage", "eyJ0IjogMX0", "%%%", "eyJ0Ijoibm90LWEtZGF0ZSIsImkiOjF9"])
def test_bad_cursor_is_400(client_as, cursor):
    response = client_as(AUDITOR).get(f"/api/v1/evaluations/?cursor={cursor}")
    assert response.status_code == 400
    assert "cursor" in response.json()
