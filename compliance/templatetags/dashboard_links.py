"""{% link 'name' key %}: {% url %} for the rows of a table, reversed once per name.

reverse() costs about 40 µs; the dashboard pages link every row of several tables (the
findings list: two links in each of 50 rows). For an integer key (a row id) the pattern
is reversed once per URL name and script prefix with a placeholder of digits, which every
converter that accepts an integer accepts too, and the id is filled in; any other key
goes through reverse() itself.
"""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()

_PLACEHOLDER = "7" * 19  # longer than any real id, so it cannot occur elsewhere in the path


@lru_cache(maxsize=256)
def _pattern(name, script_prefix):
    return reverse(name, args=[_PLACEHOLDER])


def link(name, key):
    """The URL `reverse(name, args=[key])` gives."""
    if type(key) is not int or key < 0:
        return reverse(name, args=[key])
    return _pattern(name, get_script_prefix()).replace(_PLACEHOLDER, str(key), 1)


register.simple_tag(link, name="link")
