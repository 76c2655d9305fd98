from rest_framework.routers import SimpleRouter

from .transparency_views import ProofViewSet, TreeCheckpointViewSet
from .views import AuditLogViewSet

router = SimpleRouter()
# Before audit-logs: its detail route would take "checkpoints" for an entry id.
router.register("audit-logs/checkpoints", TreeCheckpointViewSet, basename="audit-checkpoint")
router.register("audit-logs/proofs", ProofViewSet, basename="audit-proof")
router.register("audit-logs", AuditLogViewSet, basename="auditlog")

urlpatterns = router.urls
