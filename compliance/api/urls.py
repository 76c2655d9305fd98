from rest_framework.routers import DefaultRouter

from . import evidence_views, oscal_views, views

router = DefaultRouter()
router.register("frameworks", views.FrameworkViewSet)
router.register("controls", views.ControlViewSet)
router.register("control-mappings", views.ControlMappingViewSet)
router.register("rules", views.ComplianceRuleViewSet)
router.register("data-sources", views.DataSourceViewSet)
router.register("evaluations", views.RuleEvaluationViewSet)
router.register("findings", views.FindingViewSet)
router.register("evidence", evidence_views.EvidenceViewSet)
router.register("oscal/profiles", oscal_views.ProfileImportViewSet, basename="oscal-profile")

urlpatterns = router.urls
