from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        from django.db.models.signals import post_migrate

        from compliance.roles import ensure_builtin_roles

        from . import registry

        registry.load()
        # compliance rebuilds the roles after *its own* migrate, before this app's
        # permissions exist; rebuilding after ours too gives the roles our permissions.
        post_migrate.connect(ensure_builtin_roles, sender=self, dispatch_uid="integrations_builtin_roles")
