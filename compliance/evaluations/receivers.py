"""A deleted rule or data source cascades to its evaluations: take them out of the rollups
and the status history first (pre_delete still sees the rows), in the delete's transaction.

Connected in ComplianceConfig.ready().
"""

from django.db.models.signals import pre_delete

from .rollups import subtract_deleted
from .status_history import forget


def _forget_rule(sender, instance, **kwargs):
    subtract_deleted(rule_id=instance.pk)
    forget(rule_id=instance.pk)


def _forget_data_source(sender, instance, **kwargs):
    subtract_deleted(data_source_id=instance.pk)
    forget(data_source_id=instance.pk)


def connect():
    pre_delete.connect(_forget_rule, sender="compliance.ComplianceRule", dispatch_uid="rollups_forget_rule")
    pre_delete.connect(_forget_data_source, sender="compliance.DataSource", dispatch_uid="rollups_forget_source")
