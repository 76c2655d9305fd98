import json

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from audit.verify import verify_chain


class Command(BaseCommand):
    help = 'Verify the audit hash chain and its signed checkpoints: "OK n entries" or the first bad entry (exit 1).'

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints",
            metavar="FILE",
            help="Also check against checkpoints exported earlier (export_audit_checkpoints).",
        )

    def handle(self, *args, checkpoints=None, **options):
        external = []
        if checkpoints:
            external = _read_checkpoints(checkpoints)
        try:
            result = verify_chain(external_checkpoints=external)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"FAIL {problem}")
            raise CommandError(f"audit chain broken: {result.problems[0]}", returncode=1)
        self.stdout.write(f"OK {result.entries} entries")


def _read_checkpoints(path):
    from django.utils.dateparse import parse_datetime

    try:
        with open(path, encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        return [{**row, "created_at": parse_datetime(row["created_at"])} for row in rows]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CommandError(f"cannot read checkpoints from {path}: {exc}") from exc
