from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top of the house: wiring that spans apps (roles, sign-in lockout, permission cache,
    report sections that need another app)."""

    name = "compliance_site"
    verbose_name = "Site"

    def ready(self):
        from django.contrib.auth import signals as auth_signals
        from django.db.models.signals import post_migrate

        from audit.impact import LOW, MEDIUM, register_actions
        from common.roles import ensure_builtin_roles

        from . import lockout, permission_cache, report_sections, schema  # noqa: F401  (registering on import)

        # Permissions exist only after migrate, so the roles are (re)built after it.
        post_migrate.connect(ensure_builtin_roles, dispatch_uid="builtin_roles")
        auth_signals.user_login_failed.connect(lockout.on_login_failed, dispatch_uid="lockout:failed")
        auth_signals.user_logged_in.connect(lockout.on_logged_in, dispatch_uid="lockout:success")
        permission_cache.connect()
        register_actions(
            {
                "api_token_created": MEDIUM,
                "api_token_revoked": MEDIUM,
                "api_token_expired": LOW,
                "api_token_first_used": LOW,
            }
        )
