"""A field that takes null must sit over a column that holds it: the class of fault behind a
500 found from outside (multipart `parameters=null` on /api/v1/controls/)."""

import importlib
import inspect

import pytest
from rest_framework import serializers

from common.api.serializers import JSONField, ModelSerializer
from common.roles import COMPLIANCE_MANAGER
from compliance.models import Control
from compliance.tests.factories import ControlFactory, FrameworkFactory

APPS = ("audit", "compliance", "reports", "workflows", "integrations", "webhooks")


def model_serializers():
    found = []
    for app in APPS:
        module = importlib.import_module(f"{app}.api.serializers")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, serializers.ModelSerializer) and value.__module__ == module.__name__:
                found.append(value)
    return found


SERIALIZERS = model_serializers()


def test_serializers_are_found():
    assert len(SERIALIZERS) >= 15


@pytest.mark.django_db
@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda cls: cls.__name__)
def test_no_writable_field_takes_null_over_a_not_null_column(serializer_class):
    assert issubclass(serializer_class, ModelSerializer), "derive from common.api.serializers.ModelSerializer"
    model = serializer_class.Meta.model
    columns = {field.name: field for field in model._meta.concrete_fields}
    for name, field in serializer_class().fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.JSONField):
            assert isinstance(field, JSONField), (
                f"{serializer_class.__name__}.{name}: use common.api.serializers.JSONField"
            )
        column = columns.get(field.source) if field.source != "*" else None
        if field.allow_null and column is not None:
            assert column.null, f"{serializer_class.__name__}.{name} takes null but {model.__name__}.{name} is NOT NULL"


@pytest.mark.django_db
@pytest.mark.parametrize("media", ["multipart", "json"])
def test_a_json_null_for_a_not_null_json_field_is_a_400(client_as, media):
    client = client_as(COMPLIANCE_MANAGER)
    framework = FrameworkFactory()
    body = {
        "framework": framework.code,
        "ref_id": "N-1",
        "title": "t",
        "parameters": "null" if media != "json" else None,
    }
    response = client.post("/api/v1/controls/", body, format=media)
    assert response.status_code == 400, response.content
    assert "parameters" in response.json()
    control = ControlFactory(framework=framework)
    patched = client.patch(f"/api/v1/controls/{control.pk}/", {"parameters": body["parameters"]}, format=media)
    assert patched.status_code == 400, patched.content
    assert Control.objects.get(pk=control.pk).parameters == control.parameters


@pytest.mark.django_db
@pytest.mark.parametrize("media", ["multipart", "json", "form"])
def test_text_with_a_nul_character_is_a_400_in_every_media_type(client_as, media):
    """PostgreSQL cannot compare text holding NUL: a slug lookup with one was a 500."""
    from workflows.tests.factories import WorkflowTemplateFactory

    client = client_as(COMPLIANCE_MANAGER)
    WorkflowTemplateFactory(slug="triage")
    body = {"name": "t", "event": "finding_opened", "template": "tri\x00age"}
    if media == "form":
        from urllib.parse import urlencode

        response = client.post(
            "/api/v1/workflow-triggers/", urlencode(body), content_type="application/x-www-form-urlencoded"
        )
    else:
        response = client.post("/api/v1/workflow-triggers/", body, format=media)
    assert response.status_code == 400, response.content
    assert "NUL" in response.json()["detail"]


@pytest.mark.django_db
def test_a_query_string_with_a_nul_character_is_a_400(client_as):
    response = client_as(COMPLIANCE_MANAGER).get("/api/v1/frameworks/", {"search": "so\x00c"})
    assert response.status_code == 400 and "NUL" in response.json()["detail"]
    assert response["X-Request-ID"] and response["X-Content-Type-Options"] == "nosniff"
