"""Rate limits that cannot be turned against a town: refused requests cost the town nothing, addresses come
only from trusted proxies, and a missing Redis does not take the chatbot down."""

import uuid

import pytest
from django.core.cache import cache

from services.chatbot import conf

from ..conftest import host_client

NOWHERE = f"/api/v1/chatbot/conversations/{uuid.UUID(int=0)}"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def visit(town, address, forwarded=None):
    headers = {"REMOTE_ADDR": address}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return host_client(town.host).get(NOWHERE, **headers).status_code


def test_one_address_hammering_the_chatbot_locks_out_only_itself(town_faq, monkeypatch):
    monkeypatch.setattr(conf, "RATE_PER_CLIENT", 3)
    monkeypatch.setattr(conf, "RATE_PER_TOWN", 5)
    answers = [visit(town_faq, "198.51.100.66") for _ in range(40)]
    assert answers.count(404) == 3 and answers.count(429) == 37
    # The 37 refused requests did not use the town's budget: citizens still get through.
    assert visit(town_faq, "198.51.100.1") == 404
    assert visit(town_faq, "198.51.100.2") == 404
    # The town's budget (5) is now used up by answered requests only; the next citizen waits.
    assert visit(town_faq, "198.51.100.3") == 429
    # ... and that refusal did not count either: the town's count stays at its limit, not above.
    monkeypatch.setattr(conf, "RATE_PER_TOWN", 6)
    assert visit(town_faq, "198.51.100.4") == 404


def test_forwarded_addresses_from_untrusted_peers_are_ignored(town_faq, settings, monkeypatch):
    monkeypatch.setattr(conf, "RATE_PER_CLIENT", 2)
    settings.TRUSTED_PROXIES = []
    # A client inventing a new X-Forwarded-For for every request is still one client.
    answers = [visit(town_faq, "198.51.100.66", forwarded=f"203.0.113.{i}") for i in range(5)]
    assert answers == [404, 404, 429, 429, 429]


def test_behind_a_trusted_ingress_each_citizen_has_an_own_budget(town_faq, settings, monkeypatch):
    monkeypatch.setattr(conf, "RATE_PER_CLIENT", 2)
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::/8"]
    ingress = "10.42.0.7"
    assert [visit(town_faq, ingress, "203.0.113.5") for _ in range(3)] == [404, 404, 429]
    # Another citizen behind the same ingress is another client.
    assert visit(town_faq, ingress, "203.0.113.6") == 404
    # A citizen cannot escape by prepending addresses: the rightmost untrusted hop counts.
    assert visit(town_faq, ingress, "192.0.2.99, 203.0.113.5") == 429
    # Hops that are proxies themselves (an inner load balancer) are skipped.
    assert visit(town_faq, ingress, "203.0.113.5, 10.1.2.3") == 429
    assert visit(town_faq, "fd00::17", "203.0.113.7") == 404


def test_a_malformed_trusted_proxy_range_stops_the_start(settings):
    from django.core.exceptions import ImproperlyConfigured

    from core.client_address import parse_networks

    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        parse_networks(["10.0.0.0/8", "ingress.local"])


def test_without_redis_the_limit_is_not_applied_and_the_chatbot_answers(town_faq, monkeypatch, caplog):
    monkeypatch.setattr(conf, "RATE_PER_CLIENT", 1)
    # Nothing listens on port 9 (discard) of this machine: every Redis call fails at once.
    monkeypatch.setattr(conf, "RATE_REDIS_URL", "redis://127.0.0.1:9/0")
    assert [visit(town_faq, "198.51.100.66") for _ in range(3)] == [404, 404, 404]
    assert "rate limit not applied" in caplog.text
