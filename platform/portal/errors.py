"""Error answers of both hosts: pages for people, JSON under /api/ (what the OpenAPI schema promises).

A 400 says what was wrong (our own ``BadRequest`` messages). Server errors: a server we depend on being
down is "try again shortly" (503), not a crash (500).

PostgreSQL restarting, or unreachable for a moment, makes the ORM raise
``OperationalError``/``InterfaceError``; Celery's broker down makes sending a task raise
kombu's ``OperationalError``. Those answers say 503 with ``Retry-After``: API clients retry
(with the same Idempotency-Key), people see a page that asks them to try again. Every
other exception stays a 500.
"""

from __future__ import annotations

import sys

from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

RETRY_AFTER_SECONDS = 5


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError as BrokerUnavailable
    from redis.exceptions import ConnectionError as RedisUnavailable

    return OperationalError, InterfaceError, BrokerUnavailable, RedisUnavailable


def is_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) means a backing server cannot be reached right now."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, _unavailable_errors()):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def unavailable(request) -> HttpResponse:
    """503 with Retry-After; rendered without the database (no context processors, no session)."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": _("The service is briefly unavailable; please retry shortly."),
                                 "code": "temporarily_unavailable"}, status=503)
    else:
        response = HttpResponse(loader.render_to_string("portal/unavailable.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request, *args, **kwargs):
    """``handler500`` of both hosts' URL modules."""
    if is_unavailable(sys.exc_info()[1]):
        return unavailable(request)
    if _api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request, *args, **kwargs)


def _api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception=None):
    """``handler400``. Only our own BadRequest texts are shown; other causes (a suspicious header …) may
    carry details that are not for the client."""
    message = str(exception) if isinstance(exception, BadRequest) else ""
    if _api(request):
        return JsonResponse({"detail": message or "Bad request."}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


def permission_denied(request, exception=None):
    """``handler403``: JSON under /api/."""
    if _api(request):
        return JsonResponse({"detail": str(exception or "") or "You do not have permission to do this."},
                            status=403)
    return defaults.permission_denied(request, exception)


def not_found(request, exception=None):
    """``handler404``: JSON under /api/ (an address no route matches)."""
    if _api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
