"""URLs of the dashboard: the overview spans apps (here); the detail pages are compliance's."""

from django.urls import path

from compliance.api import analytics_urls
from compliance.pages import urls as compliance_pages
from engagements import pages as engagement_pages
from systems import pages as system_pages

from . import api, pages

app_name = "dashboard"

urlpatterns = [
    path("", pages.overview, name="overview"),
    *compliance_pages.urlpatterns,
    path("engagements/<int:pk>/", engagement_pages.engagement_progress, name="engagement"),
    path("systems/<int:pk>/ksi/", system_pages.ksi_page, name="system-ksi"),
]

analytics_urlpatterns = [
    path("dashboard/", api.DashboardView.as_view(), name="analytics-dashboard"),
    path("performance/", api.PerformanceView.as_view(), name="analytics-performance"),
    *analytics_urls.urlpatterns,
]
