"""The generative mode calls only allowed endpoints: no loopback, link-local or private address unless the
county allows the range (OUTBOUND_ALLOWED_NETWORKS; the test settings allow loopback for the model server)."""

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from core import outbound
from services.chatbot.actions import configure
from services.chatbot.models import ChatbotSettings
from tenants.models import Role

from ..conftest import host_client
from .llm_server import ModelServer
from .test_api import ask
from .test_generative import QUESTION


@pytest.fixture
def model_server():
    server = ModelServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_a_loopback_model_server_is_not_called_unless_the_county_allows_it(town_faq, model_server, settings,
                                                                           caplog):
    with schema_context(town_faq.schema_name):
        configure.configure_generative_mode(enabled=True, base_url=model_server.base_url, model="m",
                                            api_key="", actor="pytest", town=town_faq)
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    body = ask(town_faq, QUESTION).json()
    assert body["answered"] is True and body["generated"] is False  # the entry's own text
    assert model_server.requests == []
    assert "generative endpoint refused" in caplog.text and "127.0.0.1" in caplog.text
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert ask(town_faq, QUESTION).json()["generated"] is True


@pytest.mark.parametrize("url", ["http://127.0.0.1:11434/v1", "http://localhost:11434/v1",
                                 "http://169.254.169.254/latest/meta-data", "http://[::1]:8080/v1",
                                 "http://10.0.0.5/v1", "http://192.168.1.20/v1", "http://[::ffff:127.0.0.1]/v1",
                                 "http://100.64.0.1/v1", "http://0.0.0.0:8000/v1"])
def test_the_settings_page_refuses_internal_endpoints(town_faq, member_factory, settings, url):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    admin = host_client(town_faq.host, member_factory(town_faq, Role.TOWN_ADMIN, "buergermeisterin"))
    response = admin.post("/chatbot/settings/", {
        "generative-generative_enabled": "on", "generative-generative_base_url": url,
        "generative-generative_model": "m"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "OUTBOUND_ALLOWED_NETWORKS" in page or "Enter a valid URL" in page, page[-2000:]
    with schema_context(town_faq.schema_name):
        assert ChatbotSettings.current().generative_enabled is False


def test_every_connection_is_checked_not_only_the_configured_address(model_server, settings):
    """A host name that resolved to a public address when configured and to loopback later (DNS rebinding)
    still reaches nothing: the client checks the address it connects to."""
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    with outbound.guarded_http_client(2.0) as client, pytest.raises(outbound.EndpointRefused, match="127.0.0.1"):
        client.post(model_server.base_url + "/chat/completions", json={})
    assert model_server.requests == []
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    model_server.behaviour = "garbage"  # answers any POST at once
    with outbound.guarded_http_client(2.0) as client:
        assert client.post(model_server.base_url + "/chat/completions", json={}).status_code == 200
    assert len(model_server.requests) == 1


def test_public_addresses_pass_and_mapped_or_shared_ones_do_not(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    assert outbound.address_allowed("193.99.144.80") and outbound.address_allowed("2a00:1450:4001::1")
    for address in ("::ffff:10.0.0.1", "100.64.3.4", "fe80::1%eth0", "224.0.0.1", "192.0.2.1"):
        assert not outbound.address_allowed(address), address
