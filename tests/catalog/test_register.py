"""The public KI-Register: page, JSON valid against the schema in the repo, CSV, edits with history."""

import csv
import io

import jsonschema
import pytest

from catalog.actions import CatalogError, request_subscription, update_register_entry
from catalog.models import RegisterEntry
from catalog.register import schema
from core.audit.models import AuditEntry
from tenants.models import Role

from ..conftest import host_client


def test_register_lists_active_systems_only_and_validates(town_a, town_b, offering, subscribe):
    request_subscription(town_b, offering, actor="b")  # requested only: not published
    subscribe(town_a, offering)
    data = host_client(town_a.host).get("/ki-register.json").json()
    jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(data)
    (entry,) = data["entries"]
    assert entry["status"] == "in_use" and entry["organisation"]["ags"] == town_a.ags
    assert entry["name"] == "Echo test service" and entry["provider"] == "Kreis-IT Musterland"
    assert entry["dpia_reference"].startswith("DSFA nicht erforderlich")
    assert entry["risk_class"] == "minimal" and entry["publication_category"] == "other_algorithm"
    assert host_client(town_b.host).get("/ki-register.json").json()["entries"] == []

    page = host_client(town_a.host).get("/ki-register/")
    assert page.status_code == 200 and "Echo test service" in page.content.decode()
    rows = list(csv.reader(io.StringIO(host_client(town_a.host).get("/ki-register.csv").content.decode("utf-8-sig")),
                           delimiter=";"))
    assert rows[0][:2] == ["id", "name"] and rows[1][1] == "Echo test service"


def test_schema_rejects_a_broken_document():
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"schema_version": "1.0", "generated_at": "x", "organisation": None,
                             "entries": [{"name": "no id"}]}, schema())


def test_dpo_and_town_admin_edit_with_version_history(town_a, offering, subscribe, member_factory):
    subscribe(town_a, offering)
    entry = RegisterEntry.objects.get(town=town_a)
    dpo = member_factory(town_a, Role.DPO)
    staff = member_factory(town_a, Role.TOWN_STAFF)
    texts = {**entry.texts, "legal_basis": "§ 3 DSG-Land"}
    assert host_client(town_a.host, staff).post(f"/ki-register/{entry.pk}/edit/", texts).status_code == 403
    response = host_client(town_a.host, dpo).post(f"/ki-register/{entry.pk}/edit/", texts)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.version == 2 and [v.version for v in entry.versions.all()] == [2, 1]
    assert entry.versions.get(version=1).texts["legal_basis"] == "Art. 6(1)(e) GDPR"
    assert AuditEntry.objects.filter(action="catalog.register.updated", actor=dpo.username).exists()
    assert "§ 3 DSG-Land" in host_client(town_a.host).get("/ki-register/").content.decode()
    with pytest.raises(CatalogError):
        update_register_entry(entry, {"status": "x"}, actor=dpo)


def test_county_overview_aggregates_all_towns(town_a, town_b, offering, subscribe, operator, console_host):
    subscribe(town_a, offering)
    subscribe(town_b, offering)
    page = host_client(console_host, operator).get("/ki-register/").content.decode()
    assert "Amtsdorf" in page and "Burgheim" in page
