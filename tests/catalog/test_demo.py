"""make demo's seed subscribes some towns to the installed services and leaves at least one out."""

import json

from catalog.models import Subscription
from devtools.demo.seed import seed


def test_seed_lists_active_services_per_town(db, tmp_path):
    # The test settings add the test-only echo service to the real ones.
    state = seed(tmp_path / "demo.json")
    services = {town["name"]: town["services"] for town in state["towns"]}
    assert any(keys == ["chatbot", "echo", "feedback", "roads"] for keys in services.values())
    assert any(keys == [] for keys in services.values())
    # Chatbot towns get the demo FAQ and a link to the widget's demo page; the others get neither.
    for town in state["towns"]:
        if "chatbot" in town["services"]:
            assert town["chatbot"]["entries"] == 15
            assert town["chatbot"]["demo_page"] == f"{town['url']}chatbot/demo/"
        else:
            assert "chatbot" not in town
        # Feedback towns get an analysed demo participation project.
        if "feedback" in town["services"]:
            assert town["feedback"]["contributions"] == 36
            assert town["feedback"]["page"] == f"{town['url']}feedback/mobilitaet-2026/"
    assert json.loads((tmp_path / "demo.json").read_text())["towns"] == state["towns"]
    count = Subscription.objects.count()
    seed(tmp_path / "demo.json")  # idempotent
    assert Subscription.objects.count() == count


def test_seed_leaves_usage_and_a_closed_period_for_the_finance_pages(db, tmp_path):
    from billing.models import BillingPeriod, Statement, UsageEvent

    state = seed(tmp_path / "demo.json")
    billing = state["billing"]
    closed = BillingPeriod.objects.get(month__startswith=billing["closed_period"])
    assert closed.status == "closed" and closed.statements.filter(final=True).exists()
    assert BillingPeriod.objects.get(month__startswith=billing["open_period"]).status == "open"
    events = UsageEvent.objects.count()
    statements = Statement.objects.count()
    assert events > 0
    seed(tmp_path / "demo.json")  # idempotent: no new usage, no new statements
    assert UsageEvent.objects.count() == events and Statement.objects.count() == statements
