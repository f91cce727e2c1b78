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
