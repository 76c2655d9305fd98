# Issue 22 partitioned the evaluations (0007_partition_evaluations) beside issues 19 and 20's
# 0007s; this joins the histories. Nothing they added refers to an evaluation by a foreign key.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0008_merge_evidence_and_profiles"),
        ("compliance", "0007_partition_evaluations"),
    ]

    operations = []
