"""Re-encrypt every stored credential with the newest key in FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old one after it),
run this command, then drop the old key.
"""

from django.core.management.base import BaseCommand, CommandError

from audit.context import audit_context
from integrations.fields import DecryptionError
from integrations.services import rotate_encryption_keys


class Command(BaseCommand):
    help = "Re-encrypt every integration credential with the newest FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        with audit_context(source="command", actor_label="command:rotate_encryption_keys"):
            try:
                count = rotate_encryption_keys()
            except DecryptionError as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted credentials of {count} integration(s)."))
