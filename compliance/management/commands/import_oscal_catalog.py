import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.context import audit_context, new_request_id
from compliance.oscal.catalog_import import MAX_DOCUMENT_BYTES, import_catalog, load_json
from compliance.oscal.common import OscalError
from compliance.seed.tally import Tally


class Command(BaseCommand):
    help = "Import an OSCAL 1.x catalog (JSON) as a framework; re-importing updates it in place."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the OSCAL catalog JSON file.")
        parser.add_argument("--framework", help="Framework code to import into (default: from the catalog).")

    def handle(self, *args, file, framework, **options):
        started = time.monotonic()
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise CommandError(f"{file} is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB.")
        tally = Tally()
        try:
            document = load_json(path.read_bytes())
            with audit_context(
                source="command", actor_label="system:import_oscal_catalog", request_id=new_request_id()
            ):
                result = import_catalog(document=document, framework_code=framework, tally=tally, log=self.stdout.write)
        except OscalError as exc:
            raise CommandError(f"{file}: {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(f"Imported into framework {result.code} in {time.monotonic() - started:.1f}s")
        )
        for line in tally.summary():
            self.stdout.write(f"  {line}")
