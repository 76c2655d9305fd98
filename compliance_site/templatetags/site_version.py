"""{% platform_version %}: the platform's version (pyproject.toml), for page footers."""

from django import template

from compliance_site.version import VERSION

register = template.Library()


@register.simple_tag
def platform_version():
    return VERSION
