from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import ensure_builtin_roles

        # Permissions exist only after migrate, so the roles are (re)built after it.
        post_migrate.connect(ensure_builtin_roles, dispatch_uid="compliance_builtin_roles")

        from django.contrib.auth import signals as auth_signals

        from compliance_site import lockout, permission_cache

        auth_signals.user_login_failed.connect(lockout.on_login_failed, dispatch_uid="lockout:failed")
        auth_signals.user_logged_in.connect(lockout.on_logged_in, dispatch_uid="lockout:success")
        permission_cache.connect()
