from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("systems", views.SystemViewSet)
router.register("oscal/component-definitions", views.ComponentDefinitionViewSet)

urlpatterns = router.urls
