"""What a report's content demands of its readers: a report may not be readable by anyone
who could not read what it holds.

Each section kind declares, when it is registered (sections/base.py), the lowest access
level a report holding it may have and whether it reads the audit log. A report's
requirement is the highest over its sections; the services refuse an access level below
it (a 400 naming `access_level`) and shares with people who could not read the audit log
(naming `shared_with`), and Report.objects.visible_to keeps reports that read the audit log
from anyone without the audit log's read permission.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from common.access import RANK, AccessLevel, highest

AUDIT_READ_PERMISSION = "audit.view_auditlog"


@dataclass(frozen=True)
class ContentRequirement:
    min_access_level: str = AccessLevel.PUBLIC
    reads_audit_log: bool = False


# section kind -> ContentRequirement, filled by sections.base.register
POLICIES = {}


def requirement_of(sections):
    """The requirement of a list of sections ([{kind, ...}])."""
    policies = [POLICIES[section["kind"]] for section in sections if section.get("kind") in POLICIES]
    return ContentRequirement(
        min_access_level=highest(policy.min_access_level for policy in policies),
        reads_audit_log=any(policy.reads_audit_log for policy in policies),
    )


def may_read_audit_log(user):
    return user.is_active and (user.is_superuser or user.has_perm(AUDIT_READ_PERMISSION))


def check_access(*, requirement, access_level, shared_with=(), what="A report with these sections"):
    """Raise ValidationError unless `access_level` and the shares meet `requirement`."""
    if RANK[access_level] < RANK[requirement.min_access_level]:
        raise ValidationError(
            {
                "access_level": [
                    f"{what} needs {AccessLevel(requirement.min_access_level).label.lower()} access or higher "
                    f"(it holds content that {access_level} readers may not read)."
                ]
            }
        )
    if requirement.reads_audit_log:
        outsiders = [user.get_username() for user in shared_with if not may_read_audit_log(user)]
        if outsiders:
            raise ValidationError(
                {
                    "shared_with": [
                        f"{what} holds audit log entries; these users may not read the audit log: "
                        f"{', '.join(sorted(outsiders))}."
                    ]
                }
            )
