"""Nine indexes on the audit table become six: each costs every audited write an insert.

Gone: the LIKE (varchar_pattern_ops) twins of action and request_id, which no query
uses, and content_type_id alone, which audit_object (content_type, object_id, -id) covers.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from . import _seq_column_triggers as sql


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_truncate_in_any_test_database"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="action",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="content_type",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="request_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddIndex(
            model_name="auditlog",
            index=models.Index(fields=["action"], name="audit_action"),
        ),
        migrations.AddIndex(
            model_name="auditlog",
            index=models.Index(fields=["request_id"], name="audit_request"),
        ),
        # SQLite rebuilds the table for AlterField, dropping its append-only triggers.
        migrations.RunPython(sql.run_install, migrations.RunPython.noop),
    ]
