"""Abstract model bases shared by every app (abstract: the floor owns no table)."""

from django.db import models
from django.utils import timezone

from .exceptions import InvalidTransition


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class StatusTransitionsMixin:
    """A `status` that moves only along the model's table of allowed transitions
    (django-oscar's Order.pipeline): ALLOWED_TRANSITIONS = {status: (next statuses, ...)}.

    `transition_to` checks the table and raises common.exceptions.InvalidTransition (a 409
    in the API) for anything else; models that keep a history of their changes extend it.
    """

    ALLOWED_TRANSITIONS = {}

    def can_transition_to(self, new_status):
        return new_status in self.ALLOWED_TRANSITIONS[self.status]

    def transition_refusal(self, new_status):
        return f"A {self.status} {self._meta.verbose_name} cannot become {new_status}."

    def check_transition(self, new_status):
        if not self.can_transition_to(new_status):
            raise InvalidTransition(self.transition_refusal(new_status))

    def transition_to(self, new_status):
        """Move to `new_status` if the table allows it; the caller saves (with its other changes)."""
        self.check_transition(new_status)
        self.status = new_status
