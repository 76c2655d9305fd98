from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Workflows"

    def ready(self):
        from . import auditing, receivers  # noqa: F401  (importing receivers connects the compliance signal receivers)

        auditing.register()
