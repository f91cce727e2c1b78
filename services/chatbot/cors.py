"""CORS for the public chatbot API: only the town's own website origins (ChatbotSettings).

Done here rather than with django-cors-headers because the allowed origins
differ per town and live in the town's schema; the town's own platform host
(demo page, widget served from here) is always allowed.
"""

from __future__ import annotations

from services.chatbot import public_config

ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Content-Type, Accept-Language"


def origin_allowed(request) -> bool:
    origin = request.headers.get("Origin", "").rstrip("/").lower()
    if not origin:
        return False
    own = f"{request.scheme}://{request.get_host()}".lower()
    return origin == own or origin in public_config.current().origins


def add_headers(request, response):
    response["Vary"] = "Origin"
    if origin_allowed(request):
        response["Access-Control-Allow-Origin"] = request.headers["Origin"]
        response["Access-Control-Allow-Methods"] = ALLOW_METHODS
        response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response["Access-Control-Max-Age"] = "600"
    return response
