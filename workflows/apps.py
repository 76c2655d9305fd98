from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Workflows"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the compliance signal receivers)

