"""Seed the demo county: towns from ``towns.csv``, an operator account, and the state file."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from devtools.demo.billing import ensure_demo_billing
from devtools.demo.services import ensure_demo_service_data
from devtools.demo.subscriptions import ensure_demo_subscriptions
from tenants.actions import set_postal_address
from tenants.importers import import_rows, read_csv
from tenants.models import Town, TownStatus

TOWNS_CSV = Path(__file__).with_name("towns.csv")
ADMIN_USERNAME = "kreis-admin"


def seed(state_path: Path, smtp_port: int | None = None) -> dict:
    previous = json.loads(state_path.read_text()) if state_path.exists() else {}
    console_url = f"{settings.PUBLIC_SCHEME}://{settings.PLATFORM_DOMAIN}{_port()}/"
    if smtp_port is not None:
        from devtools.demo.identities import bootstrap_demo_realm

        # The realm first: onboarding a town creates its Organization there and invites its contact.
        bootstrap_demo_realm(console_url, smtp_port)
    rows, errors = read_csv(TOWNS_CSV)
    result = import_rows(rows, errors, actor="demo", activate=True)
    if not result.ok:
        raise RuntimeError("; ".join(message for _line, message in result.errors))
    # Towns seeded before they had a postal address get it now (their e-invoices need it).
    for row in rows:
        town = Town.objects.filter(ags=row.data.ags, street="").first()
        if town is not None and row.data.street:
            set_postal_address(town, street=row.data.street, postcode=row.data.postcode, city=row.data.city,
                               actor="demo")

    password = previous.get("admin", {}).get("password") or secrets.token_urlsafe(12)
    User = get_user_model()
    admin, _ = User.objects.get_or_create(username=ADMIN_USERNAME, defaults={"email": "it@kreis.example"})
    admin.is_staff = admin.is_superuser = True
    admin.set_password(password)
    admin.save()

    identity = {}
    if smtp_port is not None:
        from devtools.demo.identities import ensure_demo_identities

        live = list(Town.objects.exclude(status=TownStatus.OFFBOARDED))
        identity = ensure_demo_identities(live, previous)

    port = "" if settings.PUBLIC_PORT in (80, 443) else f":{settings.PUBLIC_PORT}"
    ags_in_seed = {row.data.ags for row in rows}
    towns = Town.objects.filter(ags__in=ags_in_seed).exclude(status=TownStatus.OFFBOARDED).order_by("name")
    services = ensure_demo_subscriptions(towns)
    service_data = ensure_demo_service_data(towns, services)
    billing = ensure_demo_billing(towns)
    state = {
        "created_at": previous.get("created_at") or timezone.now().isoformat(),
        "platform_domain": settings.PLATFORM_DOMAIN,
        "console_url": f"{settings.PUBLIC_SCHEME}://{settings.PLATFORM_DOMAIN}{port}/",
        "admin": {"username": ADMIN_USERNAME, "password": password, "role": "platform_admin (break-glass superuser)"},
        "kreis": {"key": "09999", "name": "Landkreis Musterland"},
        **identity,
        "billing": billing,
        "mail_folder": str(state_path.parent.parent / ".run" / "demo" / "mail"),
        "towns": [
            {"name": t.name, "ags": t.ags, "slug": t.slug, "host": t.host, "url": t.url, "status": t.status,
             "population": t.population, "services": services[t.pk], **service_data[t.pk]}
            for t in towns
        ],
    }
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_text(json.dumps(state, ensure_ascii=False, indent=2))
    state_path.chmod(0o600)
    return state


def _port() -> str:
    return "" if settings.PUBLIC_PORT in (80, 443) else f":{settings.PUBLIC_PORT}"
