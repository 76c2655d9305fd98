"""Field validators shared by every app's serializers."""

from rest_framework import serializers

MAX_TAGS = 50


def validate_tags(value):
    """Tags: a list of 1-64 character strings, at most MAX_TAGS, stored sorted and unique."""
    if not isinstance(value, list) or not all(isinstance(tag, str) and 0 < len(tag) <= 64 for tag in value):
        raise serializers.ValidationError("Must be a list of strings of 1 to 64 characters.")
    if len(value) > MAX_TAGS:
        raise serializers.ValidationError(f"At most {MAX_TAGS} tags.")
    return sorted(set(value))
