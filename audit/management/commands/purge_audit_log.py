from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from audit.services import purge_audit_log


class Command(BaseCommand):
    help = "Delete audit entries older than AUDIT_RETENTION_DAYS (leaves a signed checkpoint and its own entry)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override AUDIT_RETENTION_DAYS (at least 1).")

    def handle(self, *args, days=None, **options):
        try:
            deleted = purge_audit_log(older_than_days=days)
        except (ValueError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Purged {deleted} entries.")
