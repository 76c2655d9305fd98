from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "compliance_site"
    verbose_name = "Site"
