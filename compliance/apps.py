from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self):
        from . import auditing
        from .evaluations import receivers, retention

        auditing.register()
        receivers.connect()
        retention.register()
