"""Error answers of both hosts: pages for people, JSON under /api/ (what the OpenAPI schema promises)."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults


def _api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception=None):
    # Only our own BadRequest texts are shown; other causes (a suspicious header …) may carry details
    # that are not for the client.
    message = str(exception) if isinstance(exception, BadRequest) else ""
    if _api(request):
        return JsonResponse({"detail": message or "Bad request."}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


def permission_denied(request, exception=None):
    if _api(request):
        return JsonResponse({"detail": str(exception or "") or "You do not have permission to do this."},
                            status=403)
    return defaults.permission_denied(request, exception)


def not_found(request, exception=None):
    if _api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
