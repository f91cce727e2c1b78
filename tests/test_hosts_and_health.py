import json

from kiverbund.celery import app as celery_app
from tenants.actions import suspend_town

from .conftest import host_client


def test_unknown_host_is_404(db):
    assert host_client("nowhere.kiverbund.localhost").get("/").status_code == 404
    assert host_client("evil.example").get("/").status_code in (400, 404)


def test_town_landing_page_at_its_host(town_a):
    response = host_client(town_a.host).get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Amtsdorf" in page and town_a.ags in page and 'lang="de"' in page
    assert host_client(f"{town_a.host}:8000").get("/").status_code == 200


def test_suspended_town_shows_a_notice(town_a):
    assert host_client(town_a.host).get("/").status_code == 200  # the host's town is cached now
    suspend_town(town_a, actor="pytest", reason="unpaid")
    response = host_client(town_a.host).get("/")
    assert response.status_code == 503 and "gesperrt" in response.content.decode()


def test_liveness_on_any_host():
    for host in ("kiverbund.localhost", "10.1.2.3", "unknown.example"):
        response = host_client(host).get("/healthz")
        assert response.status_code == 200 and response.content == b"ok"


def test_readiness_reports_database_and_broker(db):
    response = host_client("10.1.2.3").get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ready", "database": "ok", "broker": "ok"}


def test_readiness_reports_an_unreachable_broker_but_stays_ready(db):
    # A real connection attempt to a port nothing listens on.
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = host_client("kiverbund.localhost").get("/readyz")
    finally:
        celery_app.conf.broker_url = previous
    body = json.loads(response.content)
    # Pages and APIs work without Redis: the web server stays in service, the state says degraded.
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["database"] == "ok" and body["broker"].startswith("error")
