"""Who may receive a report by e-mail: distribution that cannot leak.

public: any address. internal: the address of an active user, or one at a domain listed
in REPORT_DISTRIBUTION_DOMAINS. confidential and restricted: only active users who may
read that report (Report.objects.visible_to, or for a schedule's future reports its
creator and the roles its level admits), and then as a link to the permission-checked
download, never as an attachment. Schedules are checked when saved (a 400 naming each
refused address) and again at every send, so a user who loses access stops receiving
the report at the next run.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.functions import Lower

from common.access import RANK, AccessLevel, level_readable_by

from .content import may_read_audit_log
from .models import Report

ATTACHMENT_MAX_LEVEL = AccessLevel.INTERNAL  # above this, a link only


def _domains():
    return {domain.lower().lstrip("@") for domain in getattr(settings, "REPORT_DISTRIBUTION_DOMAINS", ())}


def users_by_address(addresses):
    """{lower-cased address: active user} for the addresses that belong to an active user."""
    wanted = {address.lower() for address in addresses}
    found = {}
    matches = get_user_model().objects.annotate(address=Lower("email")).filter(is_active=True, address__in=wanted)
    for user in matches.order_by("pk"):
        found.setdefault(user.address, user)
    return found


def refusals(*, addresses, access_level, reads_audit_log=False, creator=None, report=None):
    """{address: why it may not receive the report}; empty when all may."""
    if access_level == AccessLevel.PUBLIC:
        return {}
    users = users_by_address(addresses)
    refused = {}
    for address in addresses:
        user = users.get(address.lower())
        if RANK[access_level] <= RANK[AccessLevel.INTERNAL]:
            if user is None and address.rsplit("@", 1)[-1].lower() not in _domains():
                refused[address] = "internal reports go only to active users or to the allowed domains"
            continue
        if user is None:
            refused[address] = f"{access_level} reports go only to users who may read them"
        elif not _may_read(
            user, access_level=access_level, reads_audit_log=reads_audit_log, creator=creator, report=report
        ):
            refused[address] = f"{user.get_username()} may not read this {access_level} report"
    return refused


def _may_read(user, *, access_level, reads_audit_log, creator, report):
    if report is not None:
        return Report.objects.is_visible_to(user, report)
    if reads_audit_log and not may_read_audit_log(user):
        return False
    return (creator is not None and user.pk == creator.pk) or level_readable_by(
        user, access_level, confidential_permission=Report.confidential_permission
    )


def may_attach(access_level):
    return RANK[access_level] <= RANK[ATTACHMENT_MAX_LEVEL]
