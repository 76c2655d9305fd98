"""partitions: look after the time-partitioned tables (common/partitions/).

manage.py partitions list                 # each table's partitions, rows in DEFAULT
manage.py partitions ahead                # create the next PARTITION_AHEAD intervals
manage.py partitions split --steps 3      # peel 3 intervals off each legacy partition
manage.py partitions retention            # drop partitions past retention (verified)
"""

import time

from django.core.management.base import BaseCommand, CommandError

from common import partitions


class Command(BaseCommand):
    help = "List, create ahead, split (legacy partitions, in steps) or drop expired partitions."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "ahead", "split", "retention"])
        parser.add_argument("--table", help="One registered table (default: all).")
        parser.add_argument("--steps", type=int, default=1, help="split: intervals to peel per table (default 1).")

    def handle(self, *args, action, table, steps, **options):
        names = [item.table for item in partitions.registered()]
        if table:
            if table not in names:
                raise CommandError(f"{table} is not a registered partitioned table; known: {', '.join(names)}.")
            names = [table]
        for name in names:
            getattr(self, f"_{action}")(name, steps)

    def _list(self, table, steps):
        found = partitions.partitions(table)
        if not found:
            self.stdout.write(f"{table}: not partitioned")
            return
        self.stdout.write(f"{table}:")
        for part in found:
            bounds = "DEFAULT" if part.is_default else f"{part.lower:%Y-%m-%d} .. {part.upper:%Y-%m-%d}"
            self.stdout.write(f"  {part.name}  {bounds}")
        guard = partitions.default_rows().get(table, 0)
        if guard:
            self.stdout.write(self.style.WARNING(f"  {guard} row(s) in the DEFAULT partition"))

    def _ahead(self, table, steps):
        created = partitions.create_ahead().get(table, [])
        self.stdout.write(f"{table}: created {len(created)} partition(s) {' '.join(created)}")

    def _split(self, table, steps):
        for _ in range(steps):
            started = time.monotonic()
            if partitions.is_partitioned(table) and not partitions.spec(table).movable:
                self.stdout.write(f"{table}: not split (its rows cannot move; see docs/scaling.md)")
                return
            name = partitions.split_oldest(table)
            if name is None:
                self.stdout.write(f"{table}: nothing left to split")
                return
            self.stdout.write(f"{table}: split off {name} in {time.monotonic() - started:.1f} s")

    def _retention(self, table, steps):
        dropped, blocked = partitions.drop_older_than(table)
        for name in dropped:
            self.stdout.write(f"{table}: dropped {name}")
        for name, problem in blocked.items():
            self.stdout.write(self.style.ERROR(f"{table}: kept {name}: {problem}"))
        if not dropped and not blocked:
            self.stdout.write(f"{table}: nothing past retention")
