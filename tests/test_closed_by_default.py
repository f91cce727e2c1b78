"""Town APIs are closed by default.

Every API route at a town host (the platform's and every mounted service's, found by walking the URL
configuration, so a new one is covered without a line here) refuses an anonymous caller and a member
of another town, unless its view declares itself public; and a view that names no permission at all
admits only the town's own members (identity.authentication.ClosedByDefault).
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import URLResolver, get_resolver, resolve
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from tenants.models import Role

from .conftest import host_client

PLACEHOLDERS = {"int": "1", "pk": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000000"}


def _api_routes() -> list[str]:
    def walk(patterns, base):
        for pattern in patterns:
            route = base + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            else:
                yield route

    routes = []
    for route in walk(get_resolver(settings.ROOT_URLCONF).url_patterns, "/"):
        if not route.startswith("/api/"):
            continue
        # Router patterns are regular expressions: fill the groups and drop the anchors and format suffixes.
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: PLACEHOLDERS.get(m.group(1), "1"), route)
        route = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: PLACEHOLDERS.get(m.group(1) or "str", "x"), route)
        route = route.replace("^", "").replace("$", "").replace("\\.", ".")
        if "(" in route or "[" in route:
            continue  # a format-suffix variant of a route already listed
        routes.append(route)
    return sorted(set(routes))


ROUTES = _api_routes()


def _is_public(path: str) -> bool:
    view = resolve(path, urlconf=settings.ROOT_URLCONF).func
    return bool(getattr(getattr(view, "cls", None), "town_public", False) or getattr(view, "town_public", False))


def test_every_town_api_route_is_listed():
    assert "/api/v1/town/" in ROUTES and "/api/v1/chatbot/ask" in ROUTES and len(ROUTES) > 10


@pytest.mark.parametrize("path", ROUTES)
def test_town_api_refuses_strangers_unless_public(path, town_a, town_b, member_factory):
    if _is_public(path):
        pytest.skip("declares itself public (town_public = True)")
    stranger = member_factory(town_b, Role.TOWN_ADMIN, "fremd")
    for method in ("get", "post"):
        anonymous = getattr(host_client(town_a.host), method)(path)
        assert anonymous.status_code in (401, 403), (method, path, anonymous.status_code)
        other = getattr(host_client(town_a.host, stranger), method)(path)
        assert other.status_code == 403, (method, path, other.status_code)


class ForgetfulView(APIView):
    """A view whose author named no permission."""

    def get(self, request):
        return Response({"town": getattr(request.tenant, "slug", None)})


def test_a_view_that_names_no_permission_admits_only_the_towns_members(town_a, town_b, member_factory,
                                                                       django_user_model):
    view = ForgetfulView.as_view()
    factory = APIRequestFactory()

    def call(user, town):
        request = factory.get("/api/v1/forgetful/")
        request.tenant = town
        if user is not None:
            force_authenticate(request, user)
        return view(request)

    member, stranger = member_factory(town_a, Role.TOWN_STAFF, "eigen"), member_factory(town_b, Role.TOWN_STAFF)
    assert call(member, town_a).status_code == 200
    assert call(stranger, town_a).status_code == 403
    assert call(None, town_a).status_code in (401, 403)
    # At the console host only county IT passes.
    assert call(member, None).status_code == 403
    operator = django_user_model.objects.create_user("kreis-it-2", password="x" * 12, is_staff=True)
    assert call(operator, None).status_code == 200
