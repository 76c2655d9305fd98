# Issues 19 (control ownership, evidence) and 20 (profiles, control revisions) each added a
# 0007 on their own branch; this joins the two histories.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0007_control_ownership_and_evidence"),
        ("compliance", "0007_profiles_and_control_revisions"),
    ]

    operations = []
