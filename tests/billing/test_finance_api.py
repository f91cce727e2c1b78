import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing.metering import record_usage
from billing.models import CostPool, EfficiencyOverride, Statement
from core.audit.models import AuditEntry
from identity.sync import sync_user_from_claims
from tests.xrechnung_rules import assert_accepted

from ..conftest import host_client

MONTH = timezone.localdate().replace(day=1)
PERIOD = f"{MONTH:%Y-%m}"


def county_finance():
    return sync_user_from_claims({"preferred_username": "kf", "roles": ["county_finance"], "organization": []})


def test_the_finance_api_end_to_end(make_town, offering, subscribe, console_host, queued_runs):
    a = make_town("Amtsdorf", population=1000, leitweg_id="04011000-1234512345-06", street="Marktplatz 1",
                  postcode="99998", city="Amtsdorf")
    b = make_town("Burgheim", population=3000)
    for town in (a, b):
        subscribe(town, offering)
    record_usage(a, "echo", "echo", 2, "a", timezone.now())
    api = host_client(console_host, county_finance())
    assert api.post("/api/v1/billing/pools/", {"service": "echo", "month": PERIOD, "category": "staff",
                                               "amount": "100.00"}, content_type="application/json").status_code == 201
    assert api.post("/api/v1/billing/rules/", {"service": "echo", "kind": "population"},
                    content_type="application/json").status_code == 201
    # Closing is a queued run (the Celery task billing.run_period): 202 and where to look.
    with queued_runs() as queued:
        closed = api.post(f"/api/v1/billing/periods/{PERIOD}/close/")
        assert closed.status_code == 202 and closed["Location"] == f"/api/v1/billing/periods/{PERIOD}/"
        assert closed.json()["run_requested_at"] and closed.json()["status"] == "open"
        assert not Statement.objects.exists()  # nothing computed before the task runs
    assert len(queued) == 1
    assert AuditEntry.objects.filter(action="billing.period.run_requested").exists()
    assert api.get(closed["Location"]).json()["status"] == "closed"
    with queued_runs() as queued:
        again = api.post(f"/api/v1/billing/periods/{PERIOD}/run/")
    assert again.status_code == 400 and "abgeschlossen" in again.json()["detail"]
    assert not queued  # nothing queued for a closed period
    listing = api.get(f"/api/v1/billing/statements/?period={PERIOD}").json()
    assert {s["ags"]: s["total"] for s in listing["results"]} == {a.ags: "25.00", b.ags: "75.00"}
    report = api.get(f"/api/v1/billing/statements/report/?period={PERIOD}&output=xrechnung&town={a.ags}")
    assert report.status_code == 200 and b"04011000-1234512345-06" in report.content
    assert_accepted(report.content)
    # The town's finance department sees its own statements at its host, and only those.
    kaemmerei = sync_user_from_claims({"preferred_username": "kb", "organization": [b.slug],
                                       "groups": [f"/towns/{b.slug}/finance"]})
    own = host_client(b.host, kaemmerei).get("/api/v1/finance/statements/").json()
    assert [s["ags"] for s in own["results"]] == [b.ags]
    assert host_client(a.host, kaemmerei).get("/api/v1/finance/statements/").status_code == 403
    assert host_client(console_host, kaemmerei).get("/api/v1/billing/statements/").status_code == 403
    assert sum(s.total for s in Statement.objects.filter(final=True)) == Decimal("100.00")


def test_a_run_that_cannot_be_done_is_refused_before_it_is_queued(make_town, offering, subscribe, console_host,
                                                                  queued_runs):
    subscribe(make_town("Amtsdorf"), offering)
    CostPool.objects.create(service="echo", period=MONTH, category="staff", amount=Decimal("10.00"))
    api = host_client(console_host, county_finance())
    with queued_runs() as queued:
        refused = api.post(f"/api/v1/billing/periods/{PERIOD}/run/")
        assert refused.status_code == 400 and "kein Verteilschlüssel" in refused.json()["detail"]
        assert api.post("/api/v1/billing/periods/2026-13/run/").status_code == 400
    assert not queued and not Statement.objects.exists()
    assert api.get("/api/v1/billing/periods/1999-01/").status_code == 404


def test_a_cost_pool_with_its_document_as_multipart_upload(db, console_host):
    api = host_client(console_host, county_finance())
    created = api.post("/api/v1/billing/pools/", {
        "service": "echo", "month": PERIOD, "category": "licences", "amount": "1234.56",
        "description": "Lizenz 2026", "document": SimpleUploadedFile("rechnung-4711.pdf", b"%PDF-1.4 Rechnung"),
    })
    assert created.status_code == 201, created.content
    pool = CostPool.objects.get()
    # Stored as the page stores it: below billing/pools/<year>/<month>/, the content intact.
    assert pool.document.name.startswith(f"billing/pools/{dt.date.today():%Y/%m}/rechnung-4711")
    assert pool.document.read() == b"%PDF-1.4 Rechnung"
    assert created.json()["document"] == pool.document.name and created.json()["created_by"] == "kf"
    entry = AuditEntry.objects.get(action="billing.cost_pool.entered")
    assert entry.details["document"] == pool.document.name and entry.actor == "kf"
    assert api.get(f"/api/v1/billing/pools/?period={PERIOD}").json()["results"][0]["document"] == pool.document.name
    # Without a document, as JSON, as before.
    assert api.post("/api/v1/billing/pools/", {"service": "echo", "month": PERIOD, "category": "staff",
                                               "amount": "1.00"}, content_type="application/json").status_code == 201
    assert CostPool.objects.filter(document="").count() == 1


def test_efficiency_overrides_through_the_api_change_the_value_of_time(make_town, offering, subscribe, console_host):
    from django.core.management import call_command

    a = make_town("Amtsdorf")
    subscribe(a, offering)
    for i in range(30):
        record_usage(a, "echo", "echo", 1, f"a{i}", timezone.now())
    CostPool.objects.create(service="echo", period=MONTH, category="staff", amount=Decimal("10.00"))
    api = host_client(console_host, county_finance())
    api.post("/api/v1/billing/rules/", {"service": "echo", "kind": "usage"}, content_type="application/json")
    call_command("billing_run", period=PERIOD)
    # The echo descriptor: 0.5 minutes per echo → 15 minutes at 68 €/h.
    assert Statement.objects.get(town=a).value_of_time == Decimal("17.00")
    url = "/api/v1/billing/rules/efficiency-overrides/"
    response = api.post(url, {"town": a.ags, "service": "echo", "unit": "echo", "minutes_saved": "3.00"},
                        content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() | {"id": 0} == {"id": 0, "town": a.ags, "town_name": "Amtsdorf", "service": "echo",
                                           "unit": "echo", "minutes_saved": "3.00"}
    entry = AuditEntry.objects.get(action="billing.efficiency_override.set")
    assert entry.town == a and entry.details.items() >= {"minutes_saved": "3.00", "default": "0.5", "previous": None}.items()
    call_command("billing_run", period=PERIOD)
    # 30 echoes × 3 minutes = 90 minutes = 102.00 €.
    statement = Statement.objects.get(town=a)
    assert statement.value_of_time == Decimal("102.00") and Decimal(statement.data["lines"][0]["minutes_saved"]) == 90
    # Setting it again replaces the figure; unknown units and towns are refused.
    api.post(url, {"town": a.ags, "service": "echo", "unit": "echo", "minutes_saved": "1"},
             content_type="application/json")
    assert [o["minutes_saved"] for o in api.get(f"{url}?town={a.ags}").json()] == ["1.00"]
    assert api.post(url, {"town": a.ags, "service": "echo", "unit": "pages", "minutes_saved": "1"},
                    content_type="application/json").status_code == 400
    assert api.post(url, {"town": "09999999", "service": "echo", "unit": "echo", "minutes_saved": "1"},
                    content_type="application/json").status_code == 400
    assert api.post(url, {"town": a.ags, "service": "echo", "unit": "echo", "minutes_saved": "-1"},
                    content_type="application/json").status_code == 400
    override = EfficiencyOverride.objects.get()
    assert api.delete(f"{url}{override.pk}/").status_code == 204
    assert not EfficiencyOverride.objects.exists()
    assert AuditEntry.objects.filter(action="billing.efficiency_override.removed", town=a).exists()
    call_command("billing_run", period=PERIOD)
    assert Statement.objects.get(town=a).value_of_time == Decimal("17.00")
    # Town finance cannot set them.
    kaemmerei = sync_user_from_claims({"preferred_username": "ka", "organization": [a.slug],
                                       "groups": [f"/towns/{a.slug}/finance"]})
    assert host_client(console_host, kaemmerei).post(url, {}, content_type="application/json").status_code == 403
