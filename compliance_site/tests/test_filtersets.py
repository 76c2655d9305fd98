"""Every model field has a filter or is deliberately unfiltered; every FilterSet is strict."""

import importlib

import django_filters
import pytest

from common.filtersets import StrictFilterSet

APPS = ("compliance", "audit", "reports", "workflows", "integrations", "engagements", "systems")


def all_filtersets():
    found = []
    for app in APPS:
        try:
            module = importlib.import_module(f"{app}.filtersets")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.filtersets":
                raise
            continue
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, django_filters.FilterSet)
                and value.__module__ == module.__name__
                and getattr(value._meta, "model", None)
            ):
                found.append(value)
    return found


FILTERSETS = all_filtersets()


def test_filtersets_are_found():
    assert len(FILTERSETS) >= 7


@pytest.mark.parametrize("filterset", FILTERSETS, ids=lambda f: f.__name__)
def test_every_field_is_filtered_or_explicitly_excluded(filterset):
    model = filterset._meta.model
    fields = {f.name for f in (*model._meta.fields, *model._meta.many_to_many)}
    filtered = {f.field_name for f in filterset.base_filters.values()} | set(filterset.base_filters)
    missing = fields - filtered - set(filterset.unfiltered_fields)
    assert not missing, (
        f"{filterset.__name__}: no filter for {sorted(missing)}; add one or list it in unfiltered_fields"
    )
    stale = set(filterset.unfiltered_fields) - fields
    assert not stale, f"{filterset.__name__}: unfiltered_fields names unknown fields {sorted(stale)}"


@pytest.mark.parametrize("filterset", FILTERSETS, ids=lambda f: f.__name__)
def test_filtersets_reject_invalid_values(filterset):
    assert issubclass(filterset, StrictFilterSet), f"{filterset.__name__} must derive from StrictFilterSet"


@pytest.mark.django_db
@pytest.mark.parametrize("filterset", FILTERSETS, ids=lambda f: f.__name__)
def test_without_its_parameters_a_filterset_changes_nothing(filterset, rf):
    """common/api/filtering.py skips a FilterSet whose parameters are all absent; that is
    only right while no FilterSet filters by default."""
    from common.api.filtering import names_a_filter

    queryset = filterset._meta.model._default_manager.all()
    request = rf.get("/", {"page": "2", "page_size": "10", "cursor": "x", "ordering": "-id", "search": "q"})
    assert not names_a_filter(request.GET, filterset.base_filters)
    assert str(filterset(request.GET, queryset=queryset, request=request).qs.query) == str(queryset.query)


def test_parameters_that_name_a_filter_or_its_widget_suffix_are_seen():
    from common.api.filtering import names_a_filter
    from compliance.filtersets import RuleEvaluationFilterSet

    filters = RuleEvaluationFilterSet.base_filters
    for key in filters:
        assert names_a_filter({key: "x"}, filters)
    assert names_a_filter({f"{next(iter(filters))}_after": "x"}, filters)
    assert not names_a_filter({"page_size": "5"}, filters)


@pytest.mark.django_db
def test_an_invalid_filter_value_is_still_a_400(client_as):
    from common.roles import AUDITOR

    response = client_as(AUDITOR).get("/api/v1/evaluations/", {"status": "perhaps"})
    assert response.status_code == 400 and "status" in response.json()
