"""A town's service account (real Keycloak client credentials) imports contributions and exports the results."""

import io

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from services.feedback.actions.projects import save_project
from services.feedback.models import Contribution

from ..sso import test_tokens
from ..sso.test_api_auth import service_account, towns  # noqa: F401  (fixtures)

pytestmark = pytest.mark.keycloak
clients = test_tokens.clients
_fresh_key_cache = test_tokens._fresh_key_cache


def _upload(name: str, data: bytes) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_service_account_imports_and_exports(towns, service_account):
    town, other = towns
    with schema_context(town.schema_name):
        save_project({"slug": "haushalt", "title": "Bürgerhaushalt"}, actor="pytest", town=town)
    api = Client(HTTP_HOST=town.host, HTTP_AUTHORIZATION=f"Bearer {service_account(town)}", HTTP_ACCEPT_LANGUAGE="en")
    imported = api.post("/api/v1/feedback/projects/haushalt/import",
                        {"file": _upload("haushalt.csv", "id,text\nh1,Mehr Geld für die Bibliothek\n".encode())})
    assert imported.status_code == 201, imported.content
    exported = api.get("/api/v1/feedback/projects/haushalt/export", {"format": "csv"})
    assert exported.status_code == 200 and "h1,,Mehr Geld für die Bibliothek" in exported.content.decode()
    with schema_context(town.schema_name):
        assert Contribution.objects.get(external_id="h1").project.slug == "haushalt"
    # The same token at another town: refused at the door.
    elsewhere = Client(HTTP_HOST=other.host, HTTP_AUTHORIZATION=f"Bearer {service_account(town)}")
    assert elsewhere.post("/api/v1/feedback/projects/haushalt/import",
                          {"file": _upload("h.csv", b"id,text\nh2,x\n")}).status_code == 403
