from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from . import propagation, receivers

        # After every app's models are loaded, so models added by other apps are audited too.
        receivers.connect_models()
        receivers.connect_auth()
        propagation.connect_celery()
        propagation.install_command_context()
