from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import RoleLoginForm

# Included by compliance_site.dashboard.urls in the "dashboard" namespace, beside the overview.
urlpatterns = [
    # Its own sign-in page: the admin's accepts staff only, the dashboard serves every role.
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="dashboard/login.html", redirect_authenticated_user=True, authentication_form=RoleLoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="dashboard:login"), name="logout"),
    path("frameworks/<slug:code>/", views.framework_detail, name="framework"),
    path("rules/<int:pk>/", views.rule_detail, name="rule"),
    path("findings/", views.findings, name="findings"),
]
