"""Hand-written floors: the least a JSON list endpoint can do for the same rows.

Each floor is a plain function (`evaluations()`, `rules()`) and the same function served
as a Django view behind the project's middleware, authenticated by the same token with
the one query DRF's TokenAuthentication makes.
"""

from django.http import JsonResponse

EVALUATION_FIELDS = (
    "id",
    "rule_id",
    "data_source_id",
    "status",
    "score",
    "evaluated_at",
    "details",
    "duration_ms",
    "source",
    "recorded_at",
)
RULE_FIELDS = (
    "id",
    "name",
    "description",
    "framework__code",
    "severity",
    "rule_type",
    "is_active",
    "tags",
    "remediation",
    "created_at",
    "updated_at",
)


def evaluations():
    from compliance.models import RuleEvaluation

    rows = list(RuleEvaluation.objects.order_by("-evaluated_at", "-id").values(*EVALUATION_FIELDS)[:50])
    return JsonResponse({"results": rows})


def rules():
    from compliance.models import ComplianceRule

    qs = ComplianceRule.objects.order_by("name")
    count = qs.count()
    rows = list(qs.values(*RULE_FIELDS)[:50])
    # The same output as the API: each rule's control ids, read for the page at once.
    controls = {row["id"]: [] for row in rows}
    pairs = (
        ComplianceRule.controls.through.objects.filter(compliancerule_id__in=list(controls))
        .order_by("control__sort_order", "control__ref_id")
        .values_list("compliancerule_id", "control_id")
    )
    for rule_id, control_id in pairs:
        controls[rule_id].append(control_id)
    for row in rows:
        row["controls"] = controls[row["id"]]
    return JsonResponse({"count": count, "results": rows})


def _authenticated(request):
    """What the API's token check costs at least: one query for the token and its user, and
    the digest of the presented token compared (tokens are stored as hashes only)."""
    from hmac import compare_digest

    from knox.crypto import hash_token

    from compliance_site.models import ApiToken

    text = request.headers.get("Authorization", "").partition(" ")[2]
    token = ApiToken.objects.select_related("user").filter(token_key=text[:15]).first()
    return token is not None and compare_digest(token.digest, hash_token(text)) and token.user.is_active


def evaluations_view(request):
    if not _authenticated(request):
        return JsonResponse({"detail": "unauthorised"}, status=401)
    return evaluations()


def rules_view(request):
    if not _authenticated(request):
        return JsonResponse({"detail": "unauthorised"}, status=401)
    return rules()
