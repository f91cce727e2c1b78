"""Server errors: a server we depend on being down is "try again shortly" (503), not a crash (500).

PostgreSQL restarting, or unreachable for a moment, makes the ORM raise
``OperationalError``/``InterfaceError``; Celery's broker down makes sending a task raise
kombu's ``OperationalError``. Those answers say 503 with ``Retry-After``: API clients retry
(with the same Idempotency-Key), people see a page that asks them to try again. Every
other exception stays a 500.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
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
    return defaults.server_error(request, *args, **kwargs)
