from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        from . import auditing, partitioning, registry

        registry.load()
        auditing.register()
        partitioning.register()
