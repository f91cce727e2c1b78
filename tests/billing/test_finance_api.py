from decimal import Decimal

from django.utils import timezone

from billing.metering import record_usage
from billing.models import Statement
from kiverbund.sso.sync import sync_user_from_claims

from ..conftest import host_client

PERIOD = f"{timezone.localdate():%Y-%m}"


def test_the_finance_api_end_to_end(make_town, offering, subscribe, console_host):
    a = make_town("Amtsdorf", population=1000, leitweg_id="04011000-1234512345-06")
    b = make_town("Burgheim", population=3000)
    for town in (a, b):
        subscribe(town, offering)
    record_usage(a, "echo", "echo", 2, "a", timezone.now())
    finance = sync_user_from_claims({"preferred_username": "kf", "roles": ["county_finance"], "organization": []})
    api = host_client(console_host, finance)
    assert api.post("/api/v1/billing/pools/", {"service": "echo", "month": PERIOD, "category": "staff",
                                               "amount": "100.00"}, content_type="application/json").status_code == 201
    assert api.post("/api/v1/billing/rules/", {"service": "echo", "kind": "population"},
                    content_type="application/json").status_code == 201
    closed = api.post(f"/api/v1/billing/periods/{PERIOD}/close/")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = api.post(f"/api/v1/billing/periods/{PERIOD}/run/")
    assert again.status_code == 400 and "abgeschlossen" in again.json()["detail"]
    listing = api.get(f"/api/v1/billing/statements/?period={PERIOD}").json()
    assert {s["ags"]: s["total"] for s in listing["results"]} == {a.ags: "25.00", b.ags: "75.00"}
    report = api.get(f"/api/v1/billing/statements/report/?period={PERIOD}&output=xrechnung&town={a.ags}")
    assert report.status_code == 200 and b"04011000-1234512345-06" in report.content
    # The town's finance department sees its own statements at its host, and only those.
    kaemmerei = sync_user_from_claims({"preferred_username": "kb", "roles": ["finance"], "organization": [b.slug]})
    own = host_client(b.host, kaemmerei).get("/api/v1/finance/statements/").json()
    assert [s["ags"] for s in own["results"]] == [b.ags]
    assert host_client(a.host, kaemmerei).get("/api/v1/finance/statements/").status_code == 403
    assert host_client(console_host, kaemmerei).get("/api/v1/billing/statements/").status_code == 403
    assert sum(s.total for s in Statement.objects.filter(final=True)) == Decimal("100.00")
