"""Shared plumbing of the OSCAL export commands: find the framework, write the JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from audit.context import audit_context, new_request_id
from audit.services import record_event
from compliance.models import Framework
from compliance.oscal.common import OscalError


class OscalExportCommand(BaseCommand):
    exporter = None  # a function(framework=) -> dict
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("code", help="Framework code, e.g. soc2.")
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args, code, output, **options):
        framework = Framework.objects.filter(code=code).first()
        if framework is None:
            raise CommandError(f"No framework with code {code!r}.")
        with audit_context(
            source="command", actor_label=f"system:export_oscal_{self.kind}", request_id=new_request_id()
        ):
            try:
                document = type(self).exporter(framework=framework)
            except OscalError as exc:
                raise CommandError(str(exc)) from None
            record_event(
                action=f"oscal_{self.kind}_exported",
                instance=framework,
                message=f"OSCAL {self.kind.replace('_', ' ')} exported for {framework.code}.",
            )
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"Wrote {output} ({len(text.encode())} bytes), valid OSCAL {self.kind}.")
        else:
            self.stdout.write(text, ending="")
