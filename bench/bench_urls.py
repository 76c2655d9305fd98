"""The project's URLs plus the hand-written floors the API benchmark compares against."""

import floors
from django.urls import path

from compliance_site.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("bench/floor/evaluations/", floors.evaluations_view),
    path("bench/floor/rules/", floors.rules_view),
    *project_urlpatterns,
]
