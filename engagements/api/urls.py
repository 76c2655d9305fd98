from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("engagements", views.EngagementViewSet)

urlpatterns = router.urls
