"""Billing benchmark: splitting 20 services over 1,000 towns for 12 months, and report generation.

Prints figures only (no timed assertions). The baseline, measured in the same
run, is the same largest-remainder split done with exact fractions
(``fractions.Fraction``): a straightforward reference implementation.

Then the real billing run in PostgreSQL: in a database of its own
(``--db``, default ``kiverbund_bench_billing``, created afresh, dropped at the
end unless ``--keep-db``) it stores 1,000 towns, 20 services (16 shared as
cost pools under the five keys in turn, 4 with a fixed price plan: base fee,
per inhabitant, two per unit), every town subscribed to every service, one
month of usage, and times ``run_period`` (compute + store the statements) and
``render_report`` from the stored statements.

    .venv/bin/python bench/billing.py [--towns 1000] [--services 20] [--months 12] [--skip-db] [--keep-db]
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

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devtools.test_settings")
os.environ.setdefault("KIVERBUND_PROFILE", "test")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._common import check_database_name, drop_database, recreate_database, server_url  # noqa: E402

BENCH_DB = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--db=")), "kiverbund_bench_billing")
DB_WANTED = "--skip-db" not in sys.argv
if DB_WANTED:
    check_database_name(BENCH_DB)
    os.environ["DATABASE_URL"] = server_url(BENCH_DB)

import django  # noqa: E402

django.setup()

from billing.allocation import AllocationKey, KeyKind, Participant, split  # noqa: E402
from billing.reports.csv_report import render_csv  # noqa: E402
from billing.reports.data import Line, Party, StatementData  # noqa: E402
from billing.reports.pdf_report import render_overview_pdf, render_pdf  # noqa: E402
from billing.reports.xlsx_report import render_xlsx  # noqa: E402
from billing.reports.xrechnung import render_xrechnung  # noqa: E402
from billing.settings_defaults import provider as seller_from_settings  # noqa: E402

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
    parser.add_argument("--db", default=BENCH_DB, help="benchmark database (use --db=NAME); dropped at the end")
    parser.add_argument("--skip-db", action="store_true", help="only the in-memory split and renderings")
    parser.add_argument("--keep-db", action="store_true")
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

    # The seller as the product builds it from its settings (BILLING_PROVIDER_*): an XRechnung needs the
    # contact, phone and IBAN as well, and the benchmark must not drift from what the product requires.
    provider = seller_from_settings()
    statements = []
    for town in towns:
        lines = tuple(Line(f"service{s}", f"Dienst {s}", "Nach Nutzung", "Nutzungsabhängig.", Decimal("1000.00"),
                           Decimal("12.34"), Decimal(10), "Einheiten", Decimal(40), Decimal("45.33"))
                      for s in range(min(args.services, 5)))
        statements.append(StatementData(
            number=f"KV-2026-11-{town.key}", period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
            issued=dt.date(2026, 12, 1), town_name=f"Gemeinde {town.key}", ags=town.key, population=town.population,
            leitweg_id="04011000-1234512345-06", provider=provider, buyer=Party(f"Gemeinde {town.key}", "Marktplatz 1", "99999", "Musterhausen"),
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
    pdf_sample = timed(lambda: render_pdf(sample, title="x"), 1)
    print(f"  pdf        {pdf_sample:8.2f} s for {len(sample)} full statements (a page each; "
          f"~{pdf_sample * len(statements) / len(sample):.0f} s for all {len(statements)})")

    if not args.skip_db:
        try:
            database_run(args)
        finally:
            if not args.keep_db:
                from django.db import connections

                connections.close_all()
                drop_database(args.db)


def database_run(args) -> None:
    """``run_period`` and ``render_report`` against PostgreSQL, with everything a real month has."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from billing.actions import compute, run_period
    from billing.models import AllocationRule, CostPool, Statement, UsageEvent
    from billing.periods import month_span
    from billing.reports.render import render_report
    from catalog.models import Offering, Service, Subscription
    from tenants.models import Town

    recreate_database(args.db)
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    print(f"database {args.db}: migrated in {time.perf_counter() - started:.1f} s")
    settings.BILLING_PROVIDER_EMAIL = "rechnung@kiverbund.example"
    rng = random.Random(11)
    month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    month = month.replace(day=1)  # last month: complete, so usage lies in the past
    start, end = month_span(month)
    towns = Town.objects.bulk_create([
        Town(name=f"Gemeinde {i:04d}", slug=f"gemeinde-{i:04d}", ags=f"09{i:06d}", schema_name=f"bench_{i:04d}",
             land="09", kreis="09999", population=rng.randint(800, 40000), population_date=dt.date(2025, 12, 31),
             leitweg_id="04011000-1234512345-06", status="active", street="Marktplatz 1", postcode="99999",
             city=f"Gemeinde {i:04d}")
        for i in range(args.towns)])
    plans = ["base_fee", "per_inhabitant", "per_unit", "per_unit"]
    plan_of = {s: plans[s - (args.services - len(plans))] if s >= args.services - len(plans) else "cost_pool"
               for s in range(args.services)}
    amounts = {"cost_pool": Decimal("24000.00"), "base_fee": Decimal("1200.00"),
               "per_inhabitant": Decimal("0.35"), "per_unit": Decimal("0.125")}
    services = Service.objects.bulk_create([
        Service(key=f"bench{s:02d}", name=f"Dienst {s:02d}", version="1", risk_class="minimal", registered=False,
                descriptor={"units": [{"key": "unit", "name": "Vorgänge", "minutes_saved": "2.5"}]})
        for s in range(args.services)])
    offerings = Offering.objects.bulk_create([
        Offering(service=service, provider="Kreis-IT", contract_title="AVV", contract_version="1",
                 price_model=plan_of[s], amount=amounts[plan_of[s]], unit="unit" if plan_of[s] == "per_unit" else "")
        for s, service in enumerate(services)])
    activated = start - dt.timedelta(days=30)
    Subscription.objects.bulk_create([
        Subscription(town=town, offering=offering, status="active", activated_at=activated)
        for town in towns for offering in offerings], batch_size=5000)
    UsageEvent.objects.bulk_create([
        UsageEvent(town=town, service=service.key, unit="unit", quantity=Decimal(rng.randint(1, 500)),
                   idempotency_key=f"bench-{town.ags}-{service.key}", occurred_at=start + dt.timedelta(days=3))
        for town in towns for service in services], batch_size=5000)
    categories = ["licences", "hosting", "staff", "overhead"]
    CostPool.objects.bulk_create([
        CostPool(service=service.key, period=month, category=category,
                 amount=Decimal(rng.randint(50_000, 500_000)) / 100)
        for s, service in enumerate(services) if plan_of[s] == "cost_pool" for category in categories])
    kinds = ["usage", "population", "equal", "base_plus_usage", "weighted"]
    AllocationRule.objects.bulk_create([
        AllocationRule(service=service.key, kind=kinds[s % len(kinds)], usage_unit="unit",
                       base_fraction=Decimal("0.25"), weight_equal=1, weight_population=2, weight_usage=3)
        for s, service in enumerate(services) if plan_of[s] == "cost_pool"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    pools = sum(1 for p in plan_of.values() if p == "cost_pool")
    print(f"billing run in PostgreSQL, {month:%Y-%m}: {len(towns)} towns × {len(services)} services "
          f"({pools} cost pools, {len(services) - pools} price plans), "
          f"{len(towns) * len(services):,} subscriptions and usage rows")
    compute_s = timed(lambda: compute(month))
    run_s = timed(lambda: run_period(month, actor="bench"))
    statements = Statement.objects.filter(period__month=month)
    lines = sum(len(s.data["lines"]) for s in statements)
    total = sum(s.total for s in statements)
    expected = sum(CostPool.objects.filter(period=month).values_list("amount", flat=True))
    print(f"  compute only            {compute_s:8.2f} s")
    print(f"  run_period (compute + store {statements.count()} statements, {lines:,} lines) {run_s:8.2f} s "
          f"(median of 3 re-runs)")
    print(f"  statements total {total} € = pools {expected} € + price plans {total - expected} €")
    town = towns[0]
    # Closed as finance would close it: statements become final, and an XRechnung exists only for those.
    closed_s = timed(lambda: run_period(month, actor="bench", close=True), 1)
    print(f"  closing the period (final statements) {closed_s:8.2f} s")
    print("render_report from stored final statements, one town:")
    for fmt in ("pdf", "xlsx", "csv", "xrechnung", "umlage"):
        print(f"  {fmt:<10} {timed(lambda fmt=fmt: render_report(month, fmt, town)) * 1000:8.1f} ms")
    print(f"render_report from stored statements, the county ({len(towns)} towns):")
    for fmt in ("csv", "xlsx", "pdf"):
        print(f"  {fmt:<10} {timed(lambda fmt=fmt: render_report(month, fmt, None), 1):8.2f} s"
              + (" (overview, a line per town)" if fmt == "pdf" else ""))


if __name__ == "__main__":
    sys.exit(main())
