"""Parsing timestamps from outside (requests, vendors, cursors) without surprises."""

from django.utils.dateparse import parse_datetime


def parse_iso_datetime(value):
    """An ISO 8601 date-time string → datetime, or None when it is not one.

    Django's parse_datetime returns None for text that does not look like a timestamp but
    raises ValueError for one that does with a field out of range (a minute of 61, a month
    of 13); callers validating input want one answer for both.
    """
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None
