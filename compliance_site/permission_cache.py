"""Each user's permission set, shared by every process through the cache.

Django's ModelBackend costs two queries per request to answer `has_perm` (user and group
permissions). Roles change rarely and requests are many, so the set is cached under the
user's id next to a *generation*: one random token for the whole site. Any change to
roles, memberships or permissions replaces the generation, so every cached set becomes
stale at once; a reader recomputes when its entry's generation is not the current one.

The generation is replaced twice: when the change is made (so later reads in the same
transaction see it) and again when it commits (so a set computed by another process
before the commit, from the old rows, can never be served afterwards). When the cache is
unreachable the set is read from the database, as Django would: a cache outage costs
speed, never access decisions.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

GENERATION_KEY = "perm-cache:generation"
ENTRY_TTL_SECONDS = 300  # belt and braces: even a missed invalidation heals itself


def _entry_key(user_id):
    return f"perm-cache:user:{user_id}"


def cached_permissions(user_id, compute):
    """The permission set of user `user_id`, from the cache or from `compute()`."""
    key = _entry_key(user_id)
    try:
        found = cache.get_many([key, GENERATION_KEY])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
            generation = cache.get(GENERATION_KEY)
    except Exception:  # the cache is an optimisation; the database is the authority
        logger.warning("permission cache unavailable; reading permissions from the database", exc_info=True)
        return set(compute())
    entry = found.get(key)
    if generation is not None and entry is not None and entry[0] == generation:
        return set(entry[1])
    # The generation was read before computing: if roles change meanwhile, this entry
    # is stored under a generation that is already stale and is never served.
    permissions = set(compute())
    if generation is not None:
        try:
            cache.set(key, (generation, sorted(permissions)), timeout=ENTRY_TTL_SECONDS)
        except Exception:
            logger.warning("permission cache unavailable; not storing permissions", exc_info=True)
    return permissions


def invalidate():
    """Make every cached permission set stale, now and again when the transaction commits."""
    _new_generation()
    transaction.on_commit(_new_generation)


def _new_generation():
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        # Cannot replace the generation: drop it, so readers fall back to recomputing.
        logger.error("permission cache generation could not be replaced", exc_info=True)
        try:
            cache.delete(GENERATION_KEY)
        except Exception:
            logger.error("permission cache generation could not be dropped either", exc_info=True)


def _on_change(sender, **kwargs):
    action = kwargs.get("action")
    if action is None or action.startswith("post_"):
        invalidate()


def connect():
    """Invalidate on every change that can alter a permission set."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import signals

    user_model = get_user_model()
    for through in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through):
        signals.m2m_changed.connect(_on_change, sender=through, dispatch_uid=f"perm-cache:{through._meta.label}")
    for model in (Group, Permission, ContentType, user_model):
        for signal in (signals.post_save, signals.post_delete):
            if model is user_model and signal is signals.post_save:
                continue  # is_active and is_superuser are read from the user row itself
            signal.connect(_on_change, sender=model, dispatch_uid=f"perm-cache:{model._meta.label}:{id(signal)}")
