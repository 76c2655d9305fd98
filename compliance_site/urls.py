from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import oidc_views
from .dashboard import urls as dashboard_urls
from .health import healthz
from .token_views import ApiTokenViewSet, TokenView

token_router = SimpleRouter()
token_router.register("auth/tokens", ApiTokenViewSet, basename="api-token")


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico whatever the page links; send them to the static file."""

    # Temporary: the target's hashed name changes with the file, a cached 301 would go stale.
    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")  # per request: at import the manifest may not exist yet


api_v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include(token_router.urls)),
    path("analytics/", include(dashboard_urls.analytics_urlpatterns)),
    path("", include("compliance.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("integrations.api.urls")),
    path("", include("audit.api.urls")),
    path("", include("workflows.api.urls")),
    path("", include("engagements.api.urls")),
    path("", include("systems.api.urls")),
    path("", include("webhooks.api.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    path("auth/oidc/login/", oidc_views.oidc_login, name="oidc-login"),
    path("auth/oidc/callback/", oidc_views.oidc_callback, name="oidc-callback"),
    path("dashboard/", include("compliance_site.dashboard.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs.html"),
        name="api-docs",
    ),
    path("api-auth/", include("rest_framework.urls")),
]

admin.site.site_header = "Compliance Platform"
admin.site.site_title = "Compliance Platform"
admin.site.index_title = "Administration"

handler500 = "compliance_site.errors.server_error"
