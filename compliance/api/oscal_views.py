"""OSCAL profile import over the API: a profile and the catalog it resolves against."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from common.api.serializers import ModelSerializer

from ..models import ImportedProfile
from ..oscal.catalog_import import load_json
from ..oscal.common import OscalError
from ..oscal.profile_import import import_profile
from ..seed.tally import Tally


class ProfileImportSerializer(serializers.Serializer):
    profile = serializers.JSONField(required=False, help_text="The OSCAL profile document (JSON).")
    catalog = serializers.JSONField(required=False, help_text="The OSCAL catalog the profile resolves against.")
    profile_file = serializers.FileField(required=False)
    catalog_file = serializers.FileField(required=False)
    framework = serializers.SlugField(required=False, max_length=50, help_text="Framework code; default: derived.")

    def _document(self, attrs, name):
        upload = attrs.get(f"{name}_file")
        if upload is not None:
            try:
                return load_json(upload.read())
            except OscalError as exc:
                raise ValidationError({f"{name}_file": [str(exc)]}) from None
        if name not in attrs:
            raise ValidationError({name: ["This field is required (or send it as a file)."]})
        return attrs[name]

    def validate(self, attrs):
        return {
            "profile": self._document(attrs, "profile"),
            "catalog": self._document(attrs, "catalog"),
            "framework": attrs.get("framework"),
        }


class ImportedProfileSerializer(ModelSerializer):
    framework = serializers.SlugRelatedField(slug_field="code", read_only=True)
    framework_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="framework.name", read_only=True)

    class Meta:
        model = ImportedProfile
        fields = [
            "id",
            "framework",
            "framework_id",
            "name",
            "title",
            "version",
            "profile_uuid",
            "catalog_title",
            "controls_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProfileImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Profiles imported so far; POST a profile with its catalog to resolve it into a framework."""

    queryset = ImportedProfile.objects.select_related("framework")
    serializer_class = ImportedProfileSerializer
    filterset_class = None
    ordering_fields = ["created_at", "updated_at", "title"]
    search_fields = ["title", "framework__code"]

    @extend_schema(
        request=ProfileImportSerializer,
        responses={201: ImportedProfileSerializer, 400: OpenApiResponse(description="Not a resolvable pair")},
    )
    def create(self, request):
        serializer = ProfileImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            imported = import_profile(
                profile=data["profile"], catalog=data["catalog"], framework_code=data["framework"], tally=Tally()
            )
        except OscalError as exc:
            raise ValidationError({getattr(exc, "field", "profile"): [str(exc)]}) from None
        return Response(ImportedProfileSerializer(imported).data, status=status.HTTP_201_CREATED)
