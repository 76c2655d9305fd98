import json

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditCheckpoint
from audit.services import create_checkpoint


class Command(BaseCommand):
    help = "Sign the current end of the chain and write every checkpoint as JSON lines, for safekeeping."

    def add_arguments(self, parser):
        parser.add_argument("--output", metavar="FILE", help="Write here instead of stdout.")
        parser.add_argument("--no-new", action="store_true", help="Export existing checkpoints only.")

    def handle(self, *args, output=None, no_new=False, **options):
        try:
            if not no_new:
                create_checkpoint(reason="export")
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        rows = AuditCheckpoint.objects.order_by("seq", "id").values(
            "seq", "entry_hash", "created_at", "reason", "signature"
        )
        lines = [json.dumps({**row, "created_at": row["created_at"].isoformat()}, sort_keys=True) for row in rows]
        text = "".join(line + "\n" for line in lines)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"Wrote {len(lines)} checkpoints to {output}.")
        else:
            self.stdout.write(text, ending="")
