"""Entries are written through audit_insert_entry(), a PL/pgSQL function (audit/sql.py).

The server plans its INSERT once per session instead of once per entry.
"""

from django.db import migrations

from audit import sql


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0007_chain_links"),
    ]

    operations = [
        migrations.RunPython(sql.run_install, migrations.RunPython.noop),
    ]
