from django.apps import AppConfig


class SystemsConfig(AppConfig):
    name = "systems"
    verbose_name = "Systems and OSCAL"

    def ready(self):
        from . import auditing

        auditing.register()
