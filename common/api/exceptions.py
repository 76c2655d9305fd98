"""One JSON error shape for every failure, and never a 500 for bad input."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..exceptions import ConflictError, TooLargeError
from ..queueing import BrokerUnavailable
from ..signals import access_denied

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    """409: the action is not allowed in the object's current state."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This action is not allowed in the current state."
    default_code = "conflict"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A backing service is unavailable; try again shortly."
    default_code = "service_unavailable"


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, RequestDataTooBig):
        return Response({"detail": "Request body too large."}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    elif isinstance(exc, TooLargeError):
        return Response({"detail": str(exc)}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    elif isinstance(exc, ConflictError):
        exc = Conflict(str(exc))
    elif isinstance(exc, BrokerUnavailable):
        exc = ServiceUnavailable(str(exc))
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        names = sorted({str(obj._meta.verbose_name_plural) for obj in list(exc.protected_objects)[:50]})
        exc = Conflict(f"Cannot delete: still referenced by {', '.join(names)}.")
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    user = getattr(request, "user", None)
    if (
        response is not None
        and response.status_code == status.HTTP_403_FORBIDDEN
        and user is not None
        and user.is_authenticated
    ):
        access_denied.send(sender=exception_handler, request=request, reason=str(getattr(exc, "detail", exc)))
    return response
