from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("frameworks/<slug:code>/", views.framework_detail, name="framework"),
    path("rules/<int:pk>/", views.rule_detail, name="rule"),
    path("findings/", views.findings, name="findings"),
]
