"""Liveness, readiness and metrics, answered before host routing so probes work with any Host header."""

from __future__ import annotations

from django.db import connection
from django.http import HttpResponse, JsonResponse


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _broker() -> str:
    from kiverbund.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def readiness() -> tuple[bool, dict]:
    """Ready means the database answers. Redis (broker and cache) is reported, but its absence does not
    take the web server out of service: pages and APIs work without it (the cache fails open), and a
    readiness probe that fails on a shared server would take every web pod out at once."""
    checks = {}
    for name, check in (("database", _database), ("broker", _broker)):
        try:
            checks[name] = check()
        except Exception as exc:  # every failure is reported by name
            checks[name] = f"error: {type(exc).__name__}"
    ready = checks["database"] == "ok"
    checks["status"] = "ready" if checks["broker"] == "ok" else "degraded"
    return ready, checks


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return HttpResponse("ok", content_type="text/plain")
        if request.path == "/metrics":
            from kiverbund.observability import metrics_response

            return metrics_response(request)
        if request.path == "/readyz":
            ready, checks = readiness()
            status = checks.pop("status") if ready else "unavailable"
            checks.pop("status", None)
            return JsonResponse({"status": status, **checks}, status=200 if ready else 503)
        return self.get_response(request)
