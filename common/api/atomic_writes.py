"""Every API write is one transaction.

A ModelSerializer saves the row and then sets its many-to-many fields in further
statements; in autocommit a failure between them would leave half a write (a rule
without its controls). Wrapping the write action also lets its audit entries ride with
its COMMIT (audit/backends/postgresql). Permission checks run before the action, so a
refused write's audit entry is never rolled back with it.

Views whose writes all go through a service leave it off (findings, integrations): the
service's own transaction covers the write, and this one would only add a savepoint.
"""
from django.db import transaction


class AtomicWritesMixin:
    def create(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):  # partial_update calls this too
        with transaction.atomic():
            return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().destroy(request, *args, **kwargs)
