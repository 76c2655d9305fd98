from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Workflows"

    def ready(self):
        from django.db.models.signals import post_migrate

        from compliance.roles import ensure_builtin_roles

        from . import receivers  # noqa: F401  (connects the compliance signal receivers)

        # compliance rebuilds the roles after its own post_migrate, before this app's
        # permissions exist; rebuild once more so the role grants cover workflows too.
        post_migrate.connect(ensure_builtin_roles, sender=self, dispatch_uid="workflows_builtin_roles")
