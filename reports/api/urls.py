from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("report-templates", views.ReportTemplateViewSet)
router.register("reports", views.ReportViewSet, basename="report")
router.register("report-schedules", views.ReportScheduleViewSet)

urlpatterns = router.urls
