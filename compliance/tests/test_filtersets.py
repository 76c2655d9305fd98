"""Every model field has a filter or is deliberately unfiltered; every FilterSet is strict."""
import importlib

import django_filters
import pytest

from compliance.filtersets import StrictFilterSet

APPS = ("compliance", "audit", "reports", "workflows", "integrations")


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
            if (isinstance(value, type) and issubclass(value, django_filters.FilterSet)
                    and value.__module__ == module.__name__ and getattr(value._meta, "model", None)):
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
    assert not missing, f"{filterset.__name__}: no filter for {sorted(missing)}; add one or list it in unfiltered_fields"
    stale = set(filterset.unfiltered_fields) - fields
    assert not stale, f"{filterset.__name__}: unfiltered_fields names unknown fields {sorted(stale)}"


@pytest.mark.parametrize("filterset", FILTERSETS, ids=lambda f: f.__name__)
def test_filtersets_reject_invalid_values(filterset):
    assert issubclass(filterset, StrictFilterSet), f"{filterset.__name__} must derive from StrictFilterSet"
