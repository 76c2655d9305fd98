from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from . import partitioning, propagation, receivers, registry
        from .impact import HIGH, MEDIUM

        # Who may do what is the first thing an auditor asks about. The domain apps register
        # their own models in their AppConfig.ready().
        registry.register(
            "auth.User",
            registry.ModelOptions(
                exclude_fields=("last_login",), impacts={"create": MEDIUM, "update": HIGH, "delete": HIGH}
            ),
        )
        registry.register("auth.Group", registry.ModelOptions(impacts={"update": HIGH, "delete": HIGH}))
        receivers.connect_auth()
        propagation.connect_celery()
        propagation.install_command_context()
        partitioning.register()
