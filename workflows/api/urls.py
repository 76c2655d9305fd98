from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("workflow-templates", views.WorkflowTemplateViewSet)
router.register("workflows", views.WorkflowViewSet)
router.register("workflow-triggers", views.WorkflowTriggerViewSet)
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = router.urls
