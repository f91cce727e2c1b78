"""When Keycloak cannot be reached, people get a clear page, not a stack trace."""

import pytest

from identity import views as sso_views

from .conftest import host_client


@pytest.fixture
def keycloak_unreachable(settings):
    # A real connection attempt to a port nothing listens on.
    settings.OIDC_ISSUER = "http://127.0.0.1:1/realms/kiverbund"
    sso_views._health["checked"] = 0.0
    yield
    sso_views._health["checked"] = 0.0


def test_login_page_explains_that_sign_on_is_down(town_a, keycloak_unreachable):
    page = host_client(town_a.host).get("/accounts/login/")
    assert page.status_code == 200
    assert "nicht erreichbar" in page.content.decode()


def test_starting_a_login_while_keycloak_is_down_is_a_503_page(town_a, keycloak_unreachable):
    response = host_client(town_a.host).get("/oidc/authenticate/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "Anmeldung ist derzeit nicht möglich" in body or "nicht erreichbar" in body
    english = host_client(town_a.host).get("/oidc/authenticate/", HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot be reached" in english.content.decode()


def test_break_glass_login_still_works_while_keycloak_is_down(db, break_glass, console_host, keycloak_unreachable):
    client = host_client(console_host)
    response = client.post("/accounts/login/", {"username": "notfall", "password": "break-glass-password-1"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
