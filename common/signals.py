"""Signals the floor sends and the apps above it handle (so the floor imports none of them)."""

from django.dispatch import Signal

# request, reason: an authenticated user was refused an action (403). The audit app
# records it; sent from the API's exception handler and the admin.
access_denied = Signal()
