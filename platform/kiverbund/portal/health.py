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
    checks = {}
    for name, check in (("database", _database), ("broker", _broker)):
        try:
            checks[name] = check()
        except Exception as exc:  # every failure is a "not ready", reported by name
            checks[name] = f"error: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
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
            return JsonResponse({"status": "ready" if ready else "unavailable", **checks}, status=200 if ready else 503)
        return self.get_response(request)
