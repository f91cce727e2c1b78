"""The Django side of the fault tests, run in a subprocess against the fault stack's servers.

``python -m tests.faults.driver <function> '<json keyword arguments>'`` prints ``RESULT <json>``.
The test process keeps its own database connection to the session's test database; these
functions reach the fault stack's database instead (environment set by ``FaultStack.env``).
"""

from __future__ import annotations

import json
import sys


def billing_setup(month: str, prefix: str, towns: int) -> list[int]:
    """``towns`` towns subscribed to the chatbot, sharing a cost pool by equal shares in ``month``."""
    from decimal import Decimal

    from billing.models import AllocationRule, CostPool
    from billing.periods import parse_month
    from devtools.demo.subscriptions import subscribe
    from tenants.actions import TownData, onboard_town

    offering = _chatbot_offering()
    made = []
    for number in range(towns):
        town, _ = onboard_town(TownData(ags=f"{prefix}{number:03d}", name=f"Fault {prefix} {number}",
                                        population=1000 + number), actor="faults", activate=True)
        subscribe(town, offering, actor="faults")
        made.append(town.pk)
    first = parse_month(month)
    CostPool.objects.create(service="chatbot", period=first, category="hosting", amount=Decimal("1000.00"))
    AllocationRule.objects.get_or_create(service="chatbot", defaults={"kind": "equal"})
    return made


def _chatbot_offering():
    from decimal import Decimal

    from catalog.actions import save_offering, sync_catalogue
    from catalog.models import Offering, Service

    sync_catalogue(actor="faults")
    service = Service.objects.get(key="chatbot")
    return Offering.objects.filter(service=service, available=True).first() or save_offering(
        {"provider": "Kreis-IT", "contract_title": "AVV Chatbot", "contract_version": "1.0",
         "price_model": "cost_pool", "amount": Decimal("1200.00"), "description": "Fault tests"},
        actor="faults", service=service)


def billing_request(month: str) -> str:
    from billing.actions import request_run
    from billing.periods import parse_month

    return request_run(parse_month(month), actor="faults").run_requested_at.isoformat()


def billing_state(month: str, towns: list[int] | None = None) -> dict:
    """The run of ``month``; statements counted for ``towns`` only (other tests' towns share the stack)."""
    from billing.models import BillingPeriod, Statement
    from billing.periods import parse_month
    from core.audit.models import AuditEntry

    period = BillingPeriod.objects.filter(month=parse_month(month)).first()
    statements = Statement.objects.filter(period=period)
    if towns is not None:
        statements = statements.filter(town_id__in=towns)
    return {
        "last_run_at": period.last_run_at.isoformat() if period and period.last_run_at else None,
        "last_error": period.last_error if period else "",
        "statements": statements.count(),
        "towns": statements.values("town").distinct().count(),
        "runs": AuditEntry.objects.filter(action="billing.period.run", details__month=month).count(),
    }


def town(ags: str, name: str, chatbot: bool = False) -> dict:
    """A town; with ``chatbot`` subscribed to it (usage is accepted only for subscribed services)."""
    from devtools.demo.subscriptions import subscribe
    from tenants.actions import TownData, onboard_town

    made, _ = onboard_town(TownData(ags=ags, name=name, population=1000), actor="faults", activate=True)
    if chatbot:
        subscribe(made, _chatbot_offering(), actor="faults")
    return {"pk": made.pk, "slug": made.slug, "host": made.host, "schema": made.schema_name}


def usage_counts(town_pk: int, keys: list[str]) -> dict[str, int]:
    from django.db.models import Count

    from billing.models import UsageEvent

    rows = UsageEvent.objects.filter(town_id=town_pk, idempotency_key__in=keys).values("idempotency_key") \
        .annotate(n=Count("id"))
    found = {row["idempotency_key"]: row["n"] for row in rows}
    return {key: found.get(key, 0) for key in keys}


def chatbot_town(ags: str, name: str) -> dict:
    """A town subscribed to the chatbot, with the demo knowledge base."""
    from django_tenants.utils import schema_context

    from services.chatbot.actions.knowledge import import_entries
    from services.chatbot.demo import FAQ
    from services.chatbot.formats import read_rows
    from tenants.models import Town

    made = town(ags, name, chatbot=True)
    subject = Town.objects.get(pk=made["pk"])
    with schema_context(subject.schema_name):
        report = import_entries(read_rows(FAQ.read_bytes(), FAQ.name), actor="faults", town=subject)
    assert report.ok, report.errors
    return made


def operator_session() -> str:
    """The session key of a break-glass administrator (a superuser: the only password login)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    operator, _ = get_user_model().objects.get_or_create(username="kreis-it-faults",
                                                           defaults={"is_staff": True, "is_superuser": True})
    session = SessionStore()
    session[SESSION_KEY] = str(operator.pk)
    session[BACKEND_SESSION_KEY] = "identity.backend.BreakGlassBackend"
    session[HASH_SESSION_KEY] = operator.get_session_auth_hash()
    session.create()
    return session.session_key


def town_stats(pk: int) -> str | None:
    from tenants.models import Town

    stamp = Town.objects.get(pk=pk).stats_updated_at
    return stamp.isoformat() if stamp else None


def export_request(pk: int) -> str:
    from django.db import transaction

    from tenants.actions import request_export
    from tenants.models import Town

    with transaction.atomic():
        return request_export(Town.objects.get(pk=pk), actor="faults")


def export_state(pk: int, request_id: str) -> dict:
    from tenants.actions.export import requested_export_path, verify_export
    from tenants.models import Town, TownExport

    town = Town.objects.get(pk=pk)
    out = requested_export_path(town, request_id)
    folder = out.parent
    return {
        "records": TownExport.objects.filter(town=town, path=str(out)).count(),
        "file": out.exists(),
        "leftovers": sorted(p.name for p in folder.glob(".export-*")) if folder.exists() else [],
        "verified_files": len(verify_export(out)["files"]) if out.exists() else 0,
    }


def chatbot_import_request(pk: int, count: int) -> str:
    """Queue the import of the demo FAQ plus filler entries (``count`` rows in all) into the town."""
    from django.db import transaction
    from django_tenants.utils import schema_context

    from services.chatbot.actions.imports import request_import
    from services.chatbot.demo import FAQ
    from services.chatbot.formats import read_rows
    from tenants.models import Town

    rows = read_rows(FAQ.read_bytes(), FAQ.name)
    rows += [{"id": f"filler-{n}", "question": f"Frage {n} zur Gemeinde?", "answer": f"Antwort {n}."}
             for n in range(max(0, count - len(rows)))]
    town = Town.objects.get(pk=pk)
    with schema_context(town.schema_name), transaction.atomic():
        import_id, report = request_import(rows, actor="faults", town=town)
    assert report.ok, report.errors
    return import_id


def chatbot_import_state(pk: int, import_id: str) -> dict:
    from django_tenants.utils import schema_context

    from core.audit.models import AuditEntry
    from services.chatbot.models import Entry
    from tenants.models import Town

    town = Town.objects.get(pk=pk)
    with schema_context(town.schema_name):
        entries = Entry.objects.count()
        without_embedding = Entry.objects.filter(embedding__isnull=True).count()
    return {"entries": entries, "without_embedding": without_embedding,
            "imports": AuditEntry.objects.filter(action="chatbot.kb.imported", details__import=import_id).count()}


def main() -> None:
    import django

    django.setup()
    name, arguments = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    result = globals()[name](**arguments)
    print("RESULT " + json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main()
