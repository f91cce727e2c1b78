"""Property-based tests of the split: sums, signs, determinism, monotonicity, edge cases."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.allocation import (
    CENT,
    AllocationKey,
    KeyKind,
    Participant,
    exact_shares,
    largest_remainder,
    split,
)

pools = st.decimals(min_value=Decimal("0"), max_value=Decimal("10000000000"), places=2, allow_nan=False)
tiny_pools = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.10"), places=2)
usages = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000"), places=3, allow_nan=False)


@st.composite
def participant_lists(draw, min_size=1, max_size=40):
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    return [Participant(key=f"{i:08d}", population=draw(st.integers(0, 4_000_000)), usage=draw(usages))
            for i in range(n)]


keys = st.one_of(
    st.sampled_from([AllocationKey(KeyKind.EQUAL), AllocationKey(KeyKind.POPULATION), AllocationKey(KeyKind.USAGE)]),
    st.builds(lambda f: AllocationKey(KeyKind.BASE_PLUS_USAGE, base_fraction=f),
              st.decimals(min_value=Decimal(0), max_value=Decimal(1), places=2)),
    st.builds(lambda a, b, c: AllocationKey(KeyKind.WEIGHTED, weights={"equal": a, "population": b, "usage": c}),
              *[st.decimals(min_value=Decimal(0), max_value=Decimal(10), places=1)] * 3)
    .filter(lambda k: any(k.weights.values())),
)


@settings(max_examples=300, deadline=None)
@given(pool=st.one_of(pools, tiny_pools), participants=participant_lists(), key=keys)
def test_shares_sum_exactly_to_the_pool_and_are_never_negative(pool, participants, key):
    shares = split(pool, participants, key)
    assert sum(shares.values()) == pool
    assert all(amount >= 0 for amount in shares.values())
    assert all(amount == amount.quantize(CENT) for amount in shares.values())
    exact = exact_shares(pool, participants, key)
    assert all(abs(shares[k] - exact[k]) < CENT for k in shares)


@settings(max_examples=150, deadline=None)
@given(pool=pools, participants=participant_lists(), key=keys)
def test_split_is_deterministic_whatever_the_order(pool, participants, key):
    first = split(pool, participants, key)
    assert split(pool, list(reversed(participants)), key) == first
    assert split(pool, participants, key) == first


@settings(max_examples=200, deadline=None)
@given(pool=pools, participants=participant_lists(min_size=2), extra=usages,
       base=st.decimals(min_value=Decimal(0), max_value=Decimal(1), places=2))
def test_more_usage_never_means_a_smaller_share(pool, participants, extra, base):
    for key in (AllocationKey(KeyKind.USAGE), AllocationKey(KeyKind.BASE_PLUS_USAGE, base_fraction=base)):
        before = exact_shares(pool, participants, key)
        more = [Participant(p.key, p.population, p.usage + extra) if i == 0 else p for i, p in enumerate(participants)]
        after = exact_shares(pool, more, key)
        if sum(p.usage for p in participants):
            assert after[participants[0].key] >= before[participants[0].key]
        # Rounded amounts may move by the one cent the rounding hands out, never more.
        assert split(pool, more, key)[participants[0].key] >= split(pool, participants, key)[participants[0].key] - CENT


@given(pool=pools, key=keys)
def test_a_single_town_pays_the_whole_pool(pool, key):
    assert split(pool, [Participant("09999111", 5000, Decimal(3))], key) == {"09999111": pool}


@st.composite
def with_idle_towns(draw):
    """Participants of whom some used nothing at all, and at least one used something."""
    participants = draw(participant_lists(min_size=2))
    idle = draw(st.sets(st.sampled_from([p.key for p in participants]), min_size=1,
                        max_size=len(participants) - 1))
    busy = draw(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000000"), places=3))
    result = [Participant(p.key, p.population, Decimal(0) if p.key in idle else p.usage) for p in participants]
    first_busy = next(i for i, p in enumerate(result) if p.key not in idle)
    result[first_busy] = Participant(result[first_busy].key, result[first_busy].population, busy)
    return result, idle


@settings(max_examples=200, deadline=None)
@given(pool=st.one_of(pools, tiny_pools), towns=with_idle_towns())
def test_towns_with_zero_usage_pay_nothing_under_a_usage_key(pool, towns):
    participants, idle = towns
    shares = split(pool, participants, AllocationKey(KeyKind.USAGE))
    assert all(shares[key] == Decimal("0.00") for key in idle)
    assert sum(shares.values()) == pool


@settings(max_examples=200, deadline=None)
@given(pool=st.one_of(pools, tiny_pools), towns=with_idle_towns(),
       base=st.decimals(min_value=Decimal(0), max_value=Decimal(1), places=3))
def test_towns_with_zero_usage_pay_only_the_base_share(pool, towns, base):
    participants, idle = towns
    key = AllocationKey(KeyKind.BASE_PLUS_USAGE, base_fraction=base)
    exact = exact_shares(pool, participants, key)
    base_share = pool * base / len(participants)
    shares = split(pool, participants, key)
    for town in idle:
        # Nothing of the usage part: the equal base share (to Decimal's 28 significant digits, so relative to the
        # pool), rounded to the cent.
        assert abs(exact[town] - base_share) <= max(pool, 1) * Decimal("1e-25")
        assert abs(shares[town] - base_share) < CENT
    assert sum(shares.values()) == pool


def test_towns_without_usage_pay_nothing_of_a_usage_pool():
    shares = split(Decimal("1000.00"), [Participant("a", 100, Decimal(0)), Participant("b", 100, Decimal(3)),
                                        Participant("c", 100, Decimal(1))], AllocationKey(KeyKind.USAGE))
    assert shares == {"a": Decimal("0.00"), "b": Decimal("750.00"), "c": Decimal("250.00")}


def test_nobody_used_it_at_all_falls_back_to_equal_shares():
    shares = split(Decimal("100.00"), [Participant(k) for k in "abc"], AllocationKey(KeyKind.USAGE))
    assert shares == {"a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}


def test_largest_remainder_hands_out_the_leftover_cents():
    # 10.00 by population 1:1:1 → 3.333… each; the one leftover cent goes to the first key.
    assert largest_remainder(Decimal("10.00"), {"b": Decimal(10) / 3, "a": Decimal(10) / 3, "c": Decimal(10) / 3}) == {
        "a": Decimal("3.34"), "b": Decimal("3.33"), "c": Decimal("3.33")}
    assert largest_remainder(Decimal("1.00"), {"x": Decimal("0.334"), "y": Decimal("0.666")}) == {
        "x": Decimal("0.33"), "y": Decimal("0.67")}
    # Equal remainders: the smaller key gets the cent, every time.
    assert largest_remainder(Decimal("1.00"), {"y": Decimal("0.665"), "x": Decimal("0.335")}) == {
        "x": Decimal("0.34"), "y": Decimal("0.66")}


def test_huge_and_tiny_pools():
    towns = [Participant(f"{i:08d}", population=1000 + i) for i in range(1000)]
    huge = split(Decimal("987654321098.76"), towns, AllocationKey(KeyKind.POPULATION))
    assert sum(huge.values()) == Decimal("987654321098.76")
    tiny = split(Decimal("0.07"), towns, AllocationKey(KeyKind.EQUAL))
    assert sum(tiny.values()) == Decimal("0.07") and sorted(tiny.values())[-7:] == [CENT] * 7


@pytest.mark.parametrize("pool, participants, key, message", [
    (Decimal("-1.00"), [Participant("a")], AllocationKey(KeyKind.EQUAL), "negative"),
    (Decimal("1.00"), [Participant("a"), Participant("a")], AllocationKey(KeyKind.EQUAL), "distinct"),
    (Decimal("1.00"), [Participant("a")], AllocationKey(KeyKind.BASE_PLUS_USAGE, base_fraction=Decimal(2)), "between"),
    (Decimal("1.00"), [Participant("a")], AllocationKey(KeyKind.WEIGHTED, weights={"equal": 0}), "not all zero"),
    (Decimal("1.00"), [Participant("a")], AllocationKey(KeyKind.WEIGHTED, weights={"mood": 1}), "unknown"),
    (Decimal("1.005"), [Participant("a")], AllocationKey(KeyKind.EQUAL), "whole cents"),
])
def test_bad_input_is_refused(pool, participants, key, message):
    with pytest.raises(ValueError, match=message):
        split(pool, participants, key)
