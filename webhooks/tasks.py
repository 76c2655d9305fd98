"""Thin tasks over webhooks.delivery (see schedule.py)."""

from celery import shared_task

from . import delivery


@shared_task(name="webhooks.deliver")
def deliver(subscription_id):
    """Deliver a subscription's pending events, in order, until one fails or none is left."""
    return delivery.deliver(subscription_id)


@shared_task(name="webhooks.dispatch")
def dispatch():
    """Start a delivery for every subscription that is neither paused nor backing off."""
    for subscription_id in delivery.due_subscriptions():
        deliver.apply_async(args=[subscription_id], expires=60)
