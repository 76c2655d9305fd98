"""Signed tree checkpoints, their keys, and inclusion and consistency proofs (RFC 9162 audit paths)."""

from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse

from .. import signing, transparency
from ..models import AuditChainLink, AuditSigningKey, AuditTreeCheckpoint
from .serializers import (
    ConsistencyProofSerializer,
    InclusionProofSerializer,
    ProofIndexSerializer,
    PublicKeySerializer,
    SigningKeySerializer,
    TreeCheckpointSerializer,
)

# Past any tree this log will hold; bigger numbers are refused before they reach SQL.
MAX_SIZE = 1 << 56


def _positive_int(params, name, *, required=True):
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise ValidationError({name: ["This parameter is required."]})
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 20:
        raise ValidationError({name: ["A positive whole number is required."]})
    value = int(raw)
    if not 0 < value < MAX_SIZE:
        raise ValidationError({name: ["A positive whole number is required."]})
    return value


def _within_tree(size, name):
    available = transparency.tree_size()
    if size > available:
        raise ValidationError({name: [f"The tree holds {available} entries."]})


class TreeCheckpointViewSet(viewsets.ReadOnlyModelViewSet):
    """Signed tree heads, newest first; GET /{size}/ for one."""

    queryset = AuditTreeCheckpoint.objects.order_by("-size")
    serializer_class = TreeCheckpointSerializer
    lookup_field = "size"
    lookup_value_regex = "[0-9]{1,18}"
    filter_backends = []

    @action(detail=False, methods=["get"])
    def latest(self, request):
        checkpoint = self.get_queryset().first()
        if checkpoint is None:
            raise NotFound("No checkpoint has been published yet.")
        return Response(self.get_serializer(checkpoint).data)

    @extend_schema(responses=PublicKeySerializer)
    @action(detail=False, methods=["get"])
    def key(self, request):
        """The public key that signs checkpoints now (base64 of its 32 raw bytes)."""
        try:
            key = signing.current_key()
        except ImproperlyConfigured:
            known = AuditSigningKey.objects.order_by("-valid_from", "-id").first()
            if known is None:
                raise NotFound("No signing key is configured.") from None
            return Response({"name": known.name, "public_key": known.public_key, "key_id": known.key_id})
        return Response({"name": key.name, "public_key": key.public_b64, "key_id": key.key_id})

    @extend_schema(responses=SigningKeySerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def keys(self, request):
        """Every key that has signed a checkpoint, with the period it signed in (newest first)."""
        rows = AuditSigningKey.objects.order_by("-valid_from", "-id")
        return Response(SigningKeySerializer(rows, many=True).data)


class ProofViewSet(viewsets.ViewSet):
    """Inclusion and consistency proofs against the tree of the first `size` entries."""

    required_permissions = ["audit.view_auditlog"]

    @extend_schema(responses=ProofIndexSerializer(many=True))
    def list(self, request):
        """The kinds of proof and where to ask for them."""
        return Response(
            [
                {"proof": name, "url": reverse(f"audit-proof-{name}", request=request)}
                for name in ("inclusion", "consistency")
            ]
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("entry", int, required=True, description="id of the audit entry"),
            OpenApiParameter("size", int, description="tree size; the latest checkpoint's by default"),
        ],
        responses=InclusionProofSerializer,
    )
    @action(detail=False, methods=["get"])
    def inclusion(self, request):
        entry = _positive_int(request.query_params, "entry")
        size = _positive_int(request.query_params, "size", required=False)
        link = AuditChainLink.objects.filter(entry_id=entry).values_list("seq", "entry_hash").first()
        if link is None:
            raise NotFound("No sealed entry has this id.")
        seq, entry_hash = link
        if size is None:
            latest = AuditTreeCheckpoint.objects.order_by("-size").values_list("size", flat=True).first()
            size = latest if latest is not None and latest >= seq else transparency.tree_size()
        _within_tree(size, "size")
        if seq > size:
            raise ValidationError({"size": [f"Entry {entry} is leaf {seq - 1}: the tree must hold at least {seq}."]})
        path = transparency.inclusion_proof(seq - 1, size)
        return Response(
            {
                "leaf_index": seq - 1,
                "leaf_hash": transparency.leaf_for(entry_hash).hex(),
                "tree_size": size,
                "audit_path": [value.hex() for value in path],
            }
        )

    @extend_schema(
        parameters=[OpenApiParameter("from", int, required=True), OpenApiParameter("to", int, required=True)],
        responses=ConsistencyProofSerializer,
    )
    @action(detail=False, methods=["get"])
    def consistency(self, request):
        first = _positive_int(request.query_params, "from")
        second = _positive_int(request.query_params, "to")
        if first > second:
            raise ValidationError({"from": ["from must not exceed to."]})
        _within_tree(second, "to")
        proof = transparency.consistency_proof(first, second)
        return Response({"from": first, "to": second, "proof": [value.hex() for value in proof]})
