"""Fewer indexes on the audit table: every entry pays for each one on insert, and an
unindexed seq lets the commit-time seal be a heap-only (HOT) update."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_hash_chain"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="timestamp",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="object_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="seq",
            field=models.BigIntegerField(blank=True, null=True),
        ),
    ]
