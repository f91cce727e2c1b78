"""Cost preview: cents exact, pool shares sum to the pool, sharing lowers the share."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from catalog.models import PriceModel
from catalog.pricing import cost_preview, split_by_population


@given(total=st.decimals(min_value=0, max_value=10_000_000, places=2),
       populations=st.dictionaries(st.integers(1, 50), st.integers(0, 200_000), min_size=1, max_size=20))
def test_pool_split_is_exact_non_negative_and_deterministic(total, populations):
    shares = split_by_population(total, populations)
    assert sum(shares.values()) == total
    assert all(share >= 0 and share == share.quantize(Decimal("0.01")) for share in shares.values())
    assert shares == split_by_population(total, dict(reversed(list(populations.items()))))


def test_preview_per_price_model(make_town, make_offering, subscribe):
    small = make_town("Kleinstadt", population=5_000)
    big = make_town("Großstadt", population=15_000)
    make_town("Mittelstadt", population=10_000)
    pool = make_offering(price_model=PriceModel.COST_POOL, amount=Decimal("10000.00"))
    alone = cost_preview(pool, small)
    assert (alone.alone, alone.together) == (Decimal("10000.00"), Decimal("10000.00"))
    assert [s.joined for s in alone.steps] == ["Großstadt", "Mittelstadt"]
    assert alone.steps[0].share == Decimal("2500.00") and alone.steps[1].share == Decimal("1666.67")
    subscribe(big, pool)
    shared = cost_preview(pool, small)
    assert shared.together == Decimal("2500.00") and [t.name for t in shared.participants] == ["Großstadt"]

    per_head = make_offering(price_model=PriceModel.PER_INHABITANT, amount=Decimal("0.1234"))
    assert cost_preview(per_head, small).together == Decimal("617.00")
    base = make_offering(price_model=PriceModel.BASE_FEE, amount=Decimal("1200"))
    assert cost_preview(base, small).alone == Decimal("1200.00")
    per_unit = make_offering(price_model=PriceModel.PER_UNIT, amount=Decimal("0.05"))
    preview = cost_preview(per_unit, small)
    assert preview.together is None and preview.unit == "echo"


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
    assert preview.towns == 2 and preview.together == Decimal("6000.00")
    assert preview.steps and "Aktivdorf" not in [s.joined for s in preview.steps]

    # Once this town is active itself, it is one of the participants, counted once.
    subscribe(me, pool)
    preview = cost_preview(pool, me)
    assert [t.name for t in preview.participants] == ["Aktivdorf", "Kleinstadt"]
    assert preview.towns == 2 and preview.together == Decimal("6000.00")

    # The service page says the same: who uses it, and among how many towns the pool is split.
    viewer = make_town("Schaudorf", population=10_000)
    page = host_client(viewer.host, member_factory(viewer, Role.TOWN_STAFF)).get("/catalogue/echo/")
    text = page.content.decode()
    users = set(re.findall(r"Gemeinden, die ihn bereits nutzen: ([^<]*)</p>", text))
    assert users == {"Aktivdorf, Kleinstadt"}  # once per offering, the same for both
    assert "4.000,00" in text and "auf 3 Gemeinden" in text
    api = host_client(viewer.host, member_factory(viewer, Role.TOWN_ADMIN)).get("/api/v1/catalogue/").json()
    (echo,) = [row for row in api if row["service"]["key"] == "echo"]
    assert {tuple(o["cost_preview"]["participants"]) for o in echo["offerings"]} == {("Aktivdorf", "Kleinstadt")}
