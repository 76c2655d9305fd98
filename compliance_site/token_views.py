"""The token endpoints: POST /api/v1/auth/token/ (sign in, get a token) and /api/v1/auth/tokens/
(the caller's own tokens: list, issue, revoke)."""

from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from . import tokens
from .models import ApiToken


class TokenThrottle(AnonRateThrottle):
    scope = "token"


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(APIView):
    """Exchange a username and password for a new personal token (named "password sign-in")."""

    throttle_classes = [TokenThrottle]
    permission_classes = []
    serializer_class = AuthTokenSerializer

    @extend_schema(request=AuthTokenSerializer, responses=TokenResponseSerializer)
    def post(self, request, *args, **kwargs):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)  # a wrong password fires user_login_failed
        user = serializer.validated_data["user"]
        _, text = tokens.issue_token(user=user, name="password sign-in")
        # Issuing a token is a sign-in: the audit trail (and last_login) should see it.
        user_logged_in.send(sender=type(user), request=request, user=user)
        return Response({"token": text})


class ApiTokenSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    created_at = serializers.DateTimeField(source="created", read_only=True)
    expires_at = serializers.DateTimeField(source="expiry", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "created_at", "expires_at", "last_used_at", "read_only"]
        read_only_fields = fields


class IssueTokenSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=tokens.MAX_NAME)
    expires_in_days = serializers.IntegerField(required=False, min_value=1)
    read_only = serializers.BooleanField(required=False, default=False)


class IssuedTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once, stored nowhere.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own tokens; anyone signed in may manage theirs (not others')."""

    serializer_class = ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    pagination_class = None
    queryset = ApiToken.objects.none()

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user).order_by("-created")

    @extend_schema(request=IssueTokenSerializer, responses={201: IssuedTokenSerializer})
    def create(self, request, *args, **kwargs):
        body = IssueTokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, text = tokens.issue_token(user=request.user, **body.validated_data)
        data = ApiTokenSerializer(token).data
        return Response({**data, "token": text}, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        tokens.revoke_token(token=instance, actor=self.request.user)
