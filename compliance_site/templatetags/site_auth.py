"""{% sso_enabled %}: whether the sign-in pages offer single sign-on."""

from django import template

from .. import oidc

register = template.Library()


@register.simple_tag
def sso_enabled():
    return oidc.configured()
