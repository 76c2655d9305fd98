"""Hash chain fields, chain head, signed checkpoints, and the append-only triggers."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from . import _seq_column_triggers as sql


def link_existing_entries(apps, schema_editor):
    """Chain entries written before this migration, in id order."""
    from audit.chain import content_hash, link_hash

    AuditLog = apps.get_model("audit", "AuditLog")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    prev, seq = "", 0
    for entry in AuditLog.objects.order_by("id").iterator(chunk_size=2000):
        seq += 1
        entry.content_hash = content_hash(vars(entry))
        entry.seq, entry.prev_hash = seq, prev
        entry.entry_hash = prev = link_hash(prev, seq, entry.content_hash)
        entry.save(update_fields=["content_hash", "seq", "prev_hash", "entry_hash"])
    AuditChainHead.objects.create(pk=1, seq=seq, last_hash=prev)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="content_type",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="content_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditlog",
            name="seq",
            field=models.BigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="entry_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddIndex(
            model_name="auditlog",
            index=models.Index(fields=["-timestamp", "-id"], name="audit_time_id"),
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(default=0)),
                ("prev_hash", models.CharField(blank=True, max_length=64)),
                ("last_hash", models.CharField(blank=True, max_length=64)),
            ],
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(db_index=True)),
                ("entry_hash", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("reason", models.CharField(default="scheduled", max_length=32)),
                ("signature", models.CharField(max_length=64)),
            ],
            options={"ordering": ["-seq", "-id"]},
        ),
        migrations.RunPython(link_existing_entries, migrations.RunPython.noop),
        migrations.RunPython(sql.run_install, sql.run_uninstall),
    ]
