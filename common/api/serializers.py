"""Serializer bases for every app's API."""

from django.db import models
from rest_framework import serializers


class JSONField(serializers.JSONField):
    """DRF's JSONField, except that a parsed JSON null is refused unless the field allows null.

    DRF checks for null before parsing: a form or multipart field holding the text "null"
    became None after the check and reached a NOT NULL column (a 500). Every JSON field of
    the API is this one (the app serializers declare it, ModelSerializer maps model
    JSONFields to it), so the fault cannot come back field by field.
    """

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value is None and not self.allow_null:
            self.fail("null")
        return value


class ModelSerializer(serializers.ModelSerializer):
    """The base of every ModelSerializer in the project (see JSONField)."""

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, models.JSONField: JSONField}
