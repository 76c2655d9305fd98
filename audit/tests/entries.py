"""Audit entries written at a chosen time, hashed and chained as any (record_event stamps now)."""

from django.db import transaction

from audit import chain


def system_entry(at, message, action="old_event"):
    """One committed (or, inside a test transaction, pending) system entry written `at`."""
    with transaction.atomic():
        return chain.append(
            {
                "timestamp": at,
                "actor_id": None,
                "actor_username": "",
                "action": action,
                "content_type_id": None,
                "object_id": "",
                "object_repr": "",
                "changes": {},
                "impact_level": "low",
                "request_id": "",
                "ip_address": None,
                "user_agent": "",
                "session_hash": "",
                "source": "system",
                "message": message,
            }
        )
