"""Notifications: a row per recipient (the in-app list) and an email sent after commit."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from audit.services import record_event
from common.queueing import enqueue_on_commit

from .models import Notification, Workflow


def role_members(role):
    """Active users in the group named `role` (empty for a blank role)."""
    if not role:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(groups__name=role, is_active=True).distinct()


def notify(*, recipients, verb, message, workflow=None, step=None):
    """Create one notification per distinct active recipient and queue their emails.

    `recipients` may hold users, None (skipped) or a queryset. A notification about a
    workflow goes only to people who may read that workflow: its message names it.
    Returns the notifications.
    """
    unique = {}
    for user in recipients:
        if user is not None and user.is_active:
            unique.setdefault(user.pk, user)
    if workflow is not None and unique:
        readers = {user.pk for user in unique.values() if Workflow.objects.is_visible_to(user, workflow)}
        unique = {pk: user for pk, user in unique.items() if pk in readers}
    if not unique:
        return []
    notifications = Notification.objects.bulk_create(
        [
            Notification(recipient=user, verb=verb, workflow=workflow, step=step, message=message[:5000])
            for user in unique.values()
        ]
    )
    # bulk_create skips the audit signals, so the batch gets its one entry here.
    record_event(
        action="notifications_created",
        instance=workflow,
        changes={"verb": [None, verb], "recipients": [None, sorted(u.get_username() for u in unique.values())]},
        message=f"{len(notifications)} '{verb}' notification(s)" + (f" for step {step.order}" if step else ""),
    )
    enqueue_on_commit("workflows.send_notification_emails", args=[[n.pk for n in notifications]])
    return notifications


def step_audience(step, workflow):
    """Who should hear about a step: its assignee, else the workflow's team, else every member
    of the step's role, else the workflow's owner."""
    if step.assigned_to_id:
        return [step.assigned_to]
    if workflow.assigned_team_id:
        team = list(get_user_model().objects.filter(groups=workflow.assigned_team_id, is_active=True).distinct())
        if team:
            return team
    members = list(role_members(step.role))
    return members or [workflow.assigned_to]


def mark_read(*, notification):
    """Mark a notification read (once: the first read time is kept)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def send_emails(*, notification_ids):
    """Email each notification once: the row is claimed and stamped in one transaction, so a
    redelivered task (at-least-once) sends nothing twice. Returns how many were sent."""
    sent = 0
    for pk in notification_ids:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient", "workflow", "step")
                .filter(pk=pk, emailed_at__isnull=True)
                .first()
            )
            if notification is None or not notification.recipient.email:
                continue
            context = {"notification": notification, "site_url": getattr(settings, "SITE_URL", "")}
            send_mail(
                subject=f"[Compliance] {notification.get_verb_display()}: {notification.target}"[:200],
                message=render_to_string("workflows/email/notification.txt", context),
                from_email=None,
                recipient_list=[notification.recipient.email],
            )
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            sent += 1
    return sent
