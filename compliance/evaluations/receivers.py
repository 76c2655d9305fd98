"""A deleted rule or data source cascades to its evaluations: take them out of the rollups
and the status history first (pre_delete still sees the rows), in the delete's transaction.

The row is locked first: an ingest holding it (ingest._hold_rules_and_sources) commits
before the cascade reads the evaluations, so none is left behind without its rule.

Connected in ComplianceConfig.ready().
"""

from django.db.models.signals import pre_delete

from .rollups import subtract_deleted
from .status_history import forget


def _lock(instance):
    # SELECT ... FOR UPDATE (a no-op on SQLite, which serialises writers anyway).
    list(type(instance)._default_manager.select_for_update().filter(pk=instance.pk).values_list("pk", flat=True))


def _forget_rule(sender, instance, **kwargs):
    _lock(instance)
    subtract_deleted(rule_id=instance.pk)
    forget(rule_id=instance.pk)


def _forget_data_source(sender, instance, **kwargs):
    _lock(instance)
    subtract_deleted(data_source_id=instance.pk)
    forget(data_source_id=instance.pk)


def connect():
    pre_delete.connect(_forget_rule, sender="compliance.ComplianceRule", dispatch_uid="rollups_forget_rule")
    pre_delete.connect(_forget_data_source, sender="compliance.DataSource", dispatch_uid="rollups_forget_source")
