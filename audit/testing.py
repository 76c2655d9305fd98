"""Test helpers of the audit trail for other apps' tests."""

from django.contrib.contenttypes.models import ContentType

from common.testing.api import APIResourceTests

from . import registry
from .models import AuditLog


class AuditedResourceTests(APIResourceTests):
    """Declared API tests (common.testing.api) whose writes must leave audit entries."""

    def assert_audited(self, response, client, action, pk):
        request_id = response["X-Request-ID"]
        entries = AuditLog.objects.filter(
            content_type=ContentType.objects.get_for_model(self.model),
            object_id=str(pk),
            request_id=request_id,
        )
        if registry.get(self.model) is not None:
            entries = entries.filter(action=action)
        # else: an unaudited model (e.g. evaluations) is written by a service that records its own entry
        assert entries.exists(), f"no {action!r} audit entry for {self.model.__name__} {pk} in request {request_id}"
        assert {(e.actor_id, e.actor_username) for e in entries} == {(client.user.pk, client.user.get_username())}
