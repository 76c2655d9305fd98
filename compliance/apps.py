from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import ensure_builtin_roles

        # Permissions exist only after migrate, so the roles are (re)built after it.
        post_migrate.connect(ensure_builtin_roles, sender=self, dispatch_uid="compliance_builtin_roles")
