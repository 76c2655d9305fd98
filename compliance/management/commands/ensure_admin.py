import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from common.roles import COMPLIANCE_ADMIN


class Command(BaseCommand):
    help = "Create a superuser named 'admin' with a generated password if no superuser exists."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@example.com")

    def handle(self, *args, username, email, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser already exists; nothing to do.")
            return
        password = secrets.token_urlsafe(18)
        user = User.objects.create_superuser(username=username, email=email, password=password)
        group = Group.objects.filter(name=COMPLIANCE_ADMIN).first()
        if group:
            user.groups.add(group)
        self.stdout.write(
            self.style.SUCCESS(
                "\n".join(
                    [
                        "",
                        "=" * 64,
                        f"  Admin user created: {username}",
                        f"  Password (shown once, store it now): {password}",
                        "=" * 64,
                        "",
                    ]
                )
            )
        )
