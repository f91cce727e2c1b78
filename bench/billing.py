"""Billing benchmark: splitting 20 services over 1,000 towns for 12 months, and report generation.

Prints figures only (no timed assertions). The baseline, measured in the same
run, is the same largest-remainder split done with exact fractions
(``fractions.Fraction``): a straightforward reference implementation.

    .venv/bin/python bench/billing.py [--towns 1000] [--services 20] [--months 12]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from fractions import Fraction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiverbund.test_settings")
os.environ.setdefault("KIVERBUND_PROFILE", "test")

import django  # noqa: E402

django.setup()

from billing.allocation import AllocationKey, KeyKind, Participant, split  # noqa: E402
from billing.reports.csv_report import render_csv  # noqa: E402
from billing.reports.data import Line, Party, StatementData  # noqa: E402
from billing.reports.pdf_report import render_overview_pdf, render_pdf  # noqa: E402
from billing.reports.xlsx_report import render_xlsx  # noqa: E402
from billing.reports.xrechnung import render_xrechnung  # noqa: E402

KEYS = [AllocationKey(KeyKind.USAGE), AllocationKey(KeyKind.POPULATION), AllocationKey(KeyKind.EQUAL),
        AllocationKey(KeyKind.BASE_PLUS_USAGE, base_fraction=Decimal("0.25")),
        AllocationKey(KeyKind.WEIGHTED, weights={"equal": Decimal(1), "population": Decimal(2), "usage": Decimal(3)})]


def fraction_split(pool: Decimal, participants: list[Participant]) -> dict[str, Decimal]:
    """Reference: population key with exact fractions, largest remainder."""
    total = sum(p.population for p in participants) or 1
    cents = int(pool * 100)
    exact = {p.key: Fraction(cents * p.population, total) for p in participants}
    floors = {k: v.numerator // v.denominator for k, v in exact.items()}
    left = cents - sum(floors.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - floors[k]), k))[:left]:
        floors[k] += 1
    return {k: Decimal(v) / 100 for k, v in floors.items()}


def timed(func, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--towns", type=int, default=1000)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()
    rng = random.Random(7)
    towns = [Participant(f"09{i:06d}", population=rng.randint(800, 40000),
                         usage=Decimal(rng.randint(0, 5000))) for i in range(args.towns)]
    pools = [Decimal(rng.randint(10_000, 2_000_000)) / 100 for _ in range(args.services * args.months)]

    def ours():
        for index, pool in enumerate(pools):
            shares = split(pool, towns, KEYS[index % len(KEYS)])
            assert sum(shares.values()) == pool

    def ours_population():
        for pool in pools:
            split(pool, towns, AllocationKey(KeyKind.POPULATION))

    def baseline():
        for pool in pools:
            shares = fraction_split(pool, towns)
            assert sum(shares.values()) == pool

    for pool in pools[:5]:
        assert split(pool, towns, AllocationKey(KeyKind.POPULATION)) == fraction_split(pool, towns)
    t_ours, t_pop, t_base = timed(ours), timed(ours_population), timed(baseline)
    print(f"split {args.services} services × {args.towns} towns × {args.months} months "
          f"({len(pools)} pools, mixed keys): {t_ours:.3f} s  (target ≤ 2 s)")
    print(f"  population key only: {t_pop:.3f} s; exact-fraction baseline: {t_base:.3f} s; "
          f"ratio ours/baseline {t_pop / t_base:.2f}×")

    provider = Party("KI-Verbund Landkreis Musterland", "Landratsamtsplatz 1", "99999", "Musterhausen",
                     email="rechnung@kiverbund.example")
    statements = []
    for town in towns:
        lines = tuple(Line(f"service{s}", f"Dienst {s}", "Nach Nutzung", "Nutzungsabhängig.", Decimal("1000.00"),
                           Decimal("12.34"), Decimal(10), "Einheiten", Decimal(40), Decimal("45.33"))
                      for s in range(min(args.services, 5)))
        statements.append(StatementData(
            number=f"KV-2026-11-{town.key}", period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
            issued=dt.date(2026, 12, 1), town_name=f"Gemeinde {town.key}", ags=town.key, population=town.population,
            leitweg_id="04011000-1234512345-06", provider=provider, buyer=Party(f"Gemeinde {town.key}"),
            hourly_rate=Decimal("68.00"), lines=lines, alone_total=Decimal("5000.00")))
    one = statements[:1]
    print("reports for one town:")
    for name, func in (("pdf", lambda: render_pdf(one, title="x")), ("xlsx", lambda: render_xlsx(one)),
                       ("csv", lambda: render_csv(one)), ("xrechnung", lambda: render_xrechnung(one[0]))):
        print(f"  {name:<10} {timed(func) * 1000:8.1f} ms")
    print(f"reports for the county ({len(statements)} towns):")
    for name, func in (("xlsx", lambda: render_xlsx(statements)), ("csv", lambda: render_csv(statements))):
        print(f"  {name:<10} {timed(func, 1):8.2f} s")
    print(f"  pdf        {timed(lambda: render_overview_pdf(statements, title='x'), 1):8.2f} s (overview, a line per town)")
    sample = statements[:50]
    pdf_50 = timed(lambda: render_pdf(sample, title="x"), 1)
    print(f"  pdf        {pdf_50:8.2f} s for 50 full statements (a page each; "
          f"~{pdf_50 * len(statements) / 50:.0f} s for all {len(statements)})")


if __name__ == "__main__":
    sys.exit(main())
