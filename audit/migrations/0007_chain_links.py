"""The chain's links move from columns of the entry row to a narrow table of their own.

Sealing used to UPDATE the fresh entry row: PostgreSQL copies a wide row whole for that,
and when its page is full it also adds the copy to every index of the table. A seal is
now one small INSERT into audit_auditchainlink, the entry row is never updated at all
(the trigger refuses every UPDATE, no exception), and the last link replaces the
single-row chain head, which bloated under long transactions.
"""

from django.db import migrations, models

from audit import sql

from . import _seq_column_triggers as legacy


def copy_links(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO audit_auditchainlink (seq, entry_id, prev_hash, entry_hash) "
        "SELECT seq, id, prev_hash, entry_hash FROM audit_auditlog WHERE seq IS NOT NULL",
        params=None,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_fewer_audit_indexes"),
    ]

    operations = [
        # The old update trigger names the link columns: drop it before they go.
        migrations.RunPython(legacy.run_uninstall, migrations.RunPython.noop),
        migrations.CreateModel(
            name="AuditChainLink",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False)),
                ("prev_hash", models.CharField(blank=True, max_length=64)),
                ("entry_hash", models.CharField(max_length=64)),
                (
                    "entry",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="link",
                        to="audit.auditlog",
                    ),
                ),
            ],
            options={"ordering": ["seq"]},
        ),
        migrations.RunPython(copy_links, migrations.RunPython.noop),
        migrations.RemoveField(model_name="auditlog", name="seq"),
        migrations.RemoveField(model_name="auditlog", name="prev_hash"),
        migrations.RemoveField(model_name="auditlog", name="entry_hash"),
        migrations.DeleteModel(name="AuditChainHead"),
        migrations.RunPython(sql.run_install, migrations.RunPython.noop),
    ]
