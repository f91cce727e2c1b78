"""Error pages of both hosts: a 400 says what was wrong with the request."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.shortcuts import render


def bad_request(request, exception=None):
    # Only our own BadRequest texts are shown; other causes (a suspicious header …) may carry details
    # that are not for the client.
    message = str(exception) if isinstance(exception, BadRequest) else ""
    return render(request, "400.html", {"message": message}, status=400)
