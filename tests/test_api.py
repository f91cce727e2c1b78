import pytest

from tenants.models import Town

from .conftest import host_client

PAYLOAD = {"ags": "09999601", "name": "Apidorf", "population": 4200, "kreis": "09999", "activate": True}


@pytest.fixture
def api(operator, console_host):
    return host_client(console_host, operator)


def test_onboard_through_the_api_is_idempotent(api):
    response = api.post("/api/v1/towns/", PAYLOAD, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["host"] == "apidorf.kiverbund.localhost" and body["status"] == "active"
    again = api.post("/api/v1/towns/", PAYLOAD, content_type="application/json")
    assert again.status_code == 200
    assert Town.objects.filter(ags="09999601").count() == 1
    listing = api.get("/api/v1/towns/").json()
    assert [t["ags"] for t in listing["results"]] == ["09999601"]
    assert api.get("/api/v1/towns/09999601/").json()["name"] == "Apidorf"


def test_bad_input_is_a_400_with_a_message(api):
    response = api.post("/api/v1/towns/", {**PAYLOAD, "ags": "09999"}, content_type="application/json")
    assert response.status_code == 400
    assert "8 digits" in response.json()["detail"]
    response = api.post("/api/v1/towns/", {"name": "Ohne"}, content_type="application/json")
    assert response.status_code == 400 and "ags" in response.json()
    assert not Town.objects.exists()


def test_api_is_for_operators_only(db, console_host, django_user_model):
    assert host_client(console_host).get("/api/v1/towns/").status_code == 401
    clerk = django_user_model.objects.create_user("clerk", password="x" * 12)
    assert host_client(console_host, clerk).post("/api/v1/towns/", PAYLOAD,
                                                 content_type="application/json").status_code == 403
    assert not Town.objects.exists()


def test_openapi_schema_describes_the_towns_api(api):
    response = api.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/towns/" in schema["paths"] and "post" in schema["paths"]["/api/v1/towns/"]
