from django.urls import path

from . import analytics_views as views

urlpatterns = [
    path("trends/", views.TrendsView.as_view(), name="analytics-trends"),
    path("framework-distribution/", views.FrameworkDistributionView.as_view(), name="analytics-distribution"),
    path("score-as-of/", views.ScoreAsOfView.as_view(), name="analytics-score-as-of"),
    path("regressions/", views.RegressionsView.as_view(), name="analytics-regressions"),
    path("score-explanation/", views.ScoreExplanationView.as_view(), name="analytics-score-explanation"),
]
