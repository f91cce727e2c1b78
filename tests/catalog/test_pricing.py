"""Cost preview: cents exact, shares sum to the pool, sharing lowers the share, estimates say so.

That the preview equals the billing run's statement is held in tests/billing/test_preview_is_the_bill.py.
"""

from decimal import Decimal

from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from billing.charges import monthly_instalment
from billing.models import CostPool
from catalog.models import PriceModel
from catalog.pricing import cost_preview
from core.money import split_by_weight

MONTH = timezone.localdate().replace(day=1)


@given(total=st.decimals(min_value=0, max_value=10_000_000, places=2),
       populations=st.dictionaries(st.integers(1, 50), st.integers(0, 200_000), min_size=1, max_size=20))
def test_pool_split_is_exact_non_negative_and_deterministic(total, populations):
    shares = split_by_weight(total, populations)
    assert sum(shares.values()) == total
    assert all(share >= 0 and share == share.quantize(Decimal("0.01")) for share in shares.values())
    assert shares == split_by_weight(total, dict(reversed(list(populations.items()))))


def test_preview_per_price_model(make_town, make_offering, subscribe):
    small = make_town("Kleinstadt", population=5_000)
    big = make_town("Großstadt", population=15_000)
    make_town("Mittelstadt", population=10_000)
    pool = make_offering(price_model=PriceModel.COST_POOL, amount=Decimal("12000.00"))
    # No costs entered and no key set yet: a twelfth of the announced annual pool, by population, as an estimate.
    alone = cost_preview(pool, small)
    assert (alone.alone, alone.together) == (Decimal("1000.00"), Decimal("1000.00"))
    assert alone.estimate and len(alone.assumptions) == 2
    assert [s.joined for s in alone.steps] == ["Großstadt", "Mittelstadt"]
    assert alone.steps[0].share == Decimal("250.00") and alone.steps[1].share == Decimal("166.67")
    subscribe(big, pool)
    shared = cost_preview(pool, small)
    assert shared.together == Decimal("250.00") and [t.name for t in shared.participants] == ["Großstadt"]
    # Once the county enters the month's costs, the preview uses them.
    CostPool.objects.create(service="echo", period=MONTH, category="hosting", amount=Decimal("2000.00"))
    entered = cost_preview(pool, small)
    assert entered.together == Decimal("500.00") and entered.pool == Decimal("2000.00")
    assert not any("twelfth" in a or "Zwölftel" in a for a in entered.assumptions)

    per_head = make_offering(price_model=PriceModel.PER_INHABITANT, amount=Decimal("0.1234"))
    preview = cost_preview(per_head, small)
    assert preview.annual == Decimal("617.00") and preview.together == monthly_instalment(Decimal("617.00"), MONTH)
    base = make_offering(price_model=PriceModel.BASE_FEE, amount=Decimal("1200"))
    assert cost_preview(base, small).alone == Decimal("100.00") and not cost_preview(base, small).estimate
    per_unit = make_offering(price_model=PriceModel.PER_UNIT, amount=Decimal("0.05"))
    preview = cost_preview(per_unit, small)
    assert preview.together is None and preview.unit == "Echo request"


def test_only_active_subscribers_of_the_service_share_the_pool(make_town, make_offering, subscribe, member_factory):
    """Requests and subscriptions awaiting approval pay nothing yet; other offerings of the service do count."""
    import re

    from django.utils import timezone

    from catalog.actions import (
        activate_subscription,
        approve_subscription,
        cancel_subscription,
        end_expired_subscriptions,
        request_subscription,
        withdraw_subscription,
    )
    from catalog.models import SubscriptionStatus
    from tenants.models import Role

    from ..conftest import host_client
    from .conftest import complete_checklist

    me = make_town("Kleinstadt", population=10_000)
    active = make_town("Aktivdorf", population=10_000)
    requested = make_town("Anfragedorf", population=10_000)
    waiting = make_town("Wartedorf", population=10_000)
    withdrawn = make_town("Rückzugdorf", population=10_000)
    ended = make_town("Altdorf", population=10_000)
    pool = make_offering(price_model=PriceModel.COST_POOL, amount=Decimal("12000.00"))
    # The same service offered a second way: its subscribers share the same service.
    approved = make_offering(price_model=PriceModel.COST_POOL, amount=Decimal("12000.00"),
                             requires_county_approval=True)

    approve_subscription(subscribe(active, approved), actor="kreis-it")
    request_subscription(requested, pool, actor="pytest")
    awaiting = request_subscription(waiting, approved, actor="pytest")
    complete_checklist(awaiting, "pytest")
    assert activate_subscription(awaiting, actor="pytest").status == SubscriptionStatus.AWAITING_APPROVAL
    withdraw_subscription(request_subscription(withdrawn, pool, actor="pytest"), actor="pytest")
    old = subscribe(ended, pool)
    today = timezone.localdate()
    cancel_subscription(old, ends_on=today, actor="pytest")
    assert end_expired_subscriptions(today=today) == [old.pk]

    preview = cost_preview(pool, me)
    assert [t.name for t in preview.participants] == ["Aktivdorf"]
    # Altdorf ended today: like the billing run, the preview lets it share this month's pool.
    # A twelfth of 12,000 € among three: the cent left over goes to the smallest AGS (Kleinstadt's).
    assert sorted(preview.sharers) == ["Aktivdorf", "Altdorf"]
    assert preview.towns == 3 and preview.together == Decimal("333.34")
    assert preview.steps and not {"Aktivdorf", "Altdorf"} & {s.joined for s in preview.steps}

    # Once this town is active itself, it is one of the participants, counted once.
    subscribe(me, pool)
    preview = cost_preview(pool, me)
    assert [t.name for t in preview.participants] == ["Aktivdorf", "Kleinstadt"]
    assert preview.towns == 3 and preview.together == Decimal("333.34")

    # The service page says the same: who uses it, and among how many towns the pool is split.
    viewer = make_town("Schaudorf", population=10_000)
    page = host_client(viewer.host, member_factory(viewer, Role.TOWN_STAFF)).get("/catalogue/echo/")
    text = page.content.decode()
    users = set(re.findall(r"Gemeinden, die ihn bereits nutzen: ([^<]*)</p>", text))
    assert users == {"Aktivdorf, Kleinstadt"}  # once per offering, the same for both
    assert "250,00" in text and "aufgeteilt auf 4 Gemeinden" in text and "Schätzung" in text
    api = host_client(viewer.host, member_factory(viewer, Role.TOWN_ADMIN)).get("/api/v1/catalogue/").json()
    (echo,) = [row for row in api if row["service"]["key"] == "echo"]
    assert {tuple(o["cost_preview"]["participants"]) for o in echo["offerings"]} == {("Aktivdorf", "Kleinstadt")}
