"""The database cache table, created by `migrate` instead of a separate `createcachetable`.

Without REDIS_CACHE_URL the shared cache is a database table (settings.CACHES), and the
sign-in path reads it (lockout counters): a deployment that migrated but never ran
`createcachetable` answered 500 on every sign-in. This does what that command does, for
every database cache in CACHES; it skips tables that already exist and caches of any other
kind (Redis, locmem), so it is a no-op there and safe where the command was run before.

The built-in roles, which write the permission cache, are rebuilt in a post_migrate
receiver, after every migration of the run, so the table exists by then. Reversing leaves
the table alone: it holds nothing but cache entries.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
