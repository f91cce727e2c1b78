"""Import and export through the town API: the same importer and exporter as the page and the commands,
all rows or none, row errors in the caller's language, towns kept apart, entitlement."""

import csv
import io
import json

from django.test import Client
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from services.feedback.models import Contribution
from tenants.models import Role

from ..conftest import host_client


def _upload(name: str, data: bytes) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def _as(user, town, language="en") -> Client:
    client = Client(HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _staff(town, member_factory, username="staff-api-files", role=Role.TOWN_STAFF) -> Client:
    return _as(member_factory(town, role, username), town)


def test_import_stores_all_rows_and_queues_the_embedding(project_a, member_factory,
                                                         django_capture_on_commit_callbacks):
    town, project = project_a
    api = _staff(town, member_factory)
    url = f"/api/v1/feedback/projects/{project.slug}/import"
    data = "id;text;lat;lon;stadtteil\nn1;Mehr Bäume in der Innenstadt;50,73;7,1;Mitte\n" \
           "n2;Ein Trinkbrunnen am Markt wäre schön;;;Nord\nr1;Der Radweg an der Hauptstraße ist zu schmal.;;;\n"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = api.post(url, {"file": _upload("neu.csv", data.encode())})
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 2, "updated": 1, "unchanged": 0}
    # As the page does: stored without vectors, one worker job embeds them after the commit.
    assert len(queued) == 1
    with schema_context(town.schema_name):
        fresh = Contribution.objects.get(project=project, external_id="n1")
        assert (fresh.lat, fresh.lon, fresh.metadata, fresh.topic_vector) == (50.73, 7.1, {"stadtteil": "Mitte"}, None)
        assert Contribution.objects.filter(project=project).count() == 26
    # JSON and XLSX go through the same reader.
    rows = json.dumps([{"id": "j1", "text": "Parkplätze am Bahnhof fehlen"}]).encode()
    assert api.post(url, {"file": _upload("neu.json", rows)}).json()["created"] == 1
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["id", "text"])
    book.active.append(["x9", "Die Bibliothek sollte länger öffnen"])
    out = io.BytesIO()
    book.save(out)
    assert api.post(url, {"file": _upload("neu.xlsx", out.getvalue())}).json() == {"created": 1, "updated": 0,
                                                                                 "unchanged": 0}


def test_a_bad_row_refuses_the_whole_file_with_its_row_number(project_a, member_factory):
    town, project = project_a
    url = f"/api/v1/feedback/projects/{project.slug}/import"
    with schema_context(town.schema_name):
        before = Contribution.objects.filter(project=project).count()
    bad = b"id,text,lat,lon\nok1,Ein guter Beitrag,,\nok2,,,\nok3,Noch einer,95,7\n"
    staff = member_factory(town, Role.TOWN_STAFF, "staff-api-files")
    english = _as(staff, town).post(url, {"file": _upload("bad.csv", bad)})
    assert english.status_code == 400
    body = english.json()
    assert body["detail"] == "2 rows have errors; nothing was imported."
    assert [(e["row"], e["id"]) for e in body["errors"]] == [(3, "ok2"), (4, "ok3")]
    assert "text is empty" in body["errors"][0]["message"]
    german = _as(staff, town, "de").post(url, {"file": _upload("bad.csv", bad)})
    assert german.status_code == 400 and german.json()["detail"] == "2 Zeilen haben Fehler; nichts wurde importiert."
    assert "text ist leer" in german.json()["errors"][0]["message"]
    # A file that cannot be read at all, and no file.
    broken = _as(staff, town).post(url, {"file": _upload("bad.pdf", b"%PDF")})
    assert broken.status_code == 400 and "Unsupported file type" in broken.json()["detail"]
    assert _as(staff, town).post(url, {}).status_code == 400
    with schema_context(town.schema_name):
        assert Contribution.objects.filter(project=project).count() == before
        assert not Contribution.objects.filter(external_id__startswith="ok").exists()


def test_export_is_the_pages_file(analysed_a, member_factory):
    town, project = analysed_a
    api = _staff(town, member_factory, role=Role.FINANCE)  # reading is for every member
    url = f"/api/v1/feedback/projects/{project.slug}/export"
    response = api.get(url, {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == f'attachment; filename="{project.slug}.csv"'
    assert response.content == host_client(town.host, member_factory(town, Role.TOWN_STAFF, "page")).get(
        f"/feedback/{project.slug}/export.csv").content
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert len(rows) == 24
    assert {"id", "topic", "topic_label", "sentiment", "duplicate_of", "spam", "reviewed"} <= set(rows["r1"])
    assert rows["c2"]["duplicate_of"] == "c1" or rows["c1"]["duplicate_of"] == "c2"
    assert rows["f1"]["text"].startswith("'=HYPERLINK")
    book = load_workbook(io.BytesIO(api.get(url, {"format": "xlsx"}).content))
    assert [c.value for c in next(book.active.iter_rows(max_row=1))][:3] == ["id", "title", "text"]
    assert len(api.get(url, {"format": "json"}).json()) == 24
    geo = api.get(url, {"format": "geojson"})
    assert geo["Content-Type"] == "application/geo+json"
    located = [f for f in geo.json()["features"] if f["geometry"]]
    assert {f["properties"]["id"] for f in located} == {"r1", "r2"}
    unknown = api.get(url, {"format": "docx"})
    assert unknown.status_code == 400 and "docx" in unknown.json()["detail"]
    assert api.get(url).status_code == 400


def test_import_needs_town_staff(project_a, member_factory):
    town, project = project_a
    url = f"/api/v1/feedback/projects/{project.slug}/import"
    for role in (Role.FINANCE, Role.DPO):
        refused = _staff(town, member_factory, f"nicht-{role}", role=role).post(
            url, {"file": _upload("a.csv", b"id,text\nq1,Hallo Welt\n")})
        assert refused.status_code == 403, role
    admin = _staff(town, member_factory, "admin", role=Role.TOWN_ADMIN)
    assert admin.post(url, {"file": _upload("a.csv", b"id,text\nq1,Hallo Welt\n")}).status_code == 201


def test_towns_cannot_reach_each_others_projects_and_unsubscribed_towns_are_refused(project_a, make_town,
                                                                                       member_factory):
    town, project = project_a
    other = make_town("Burgheim")
    unsubscribed = make_town("Ohnedorf", subscribed=False)
    paths = (f"/api/v1/feedback/projects/{project.slug}/import", f"/api/v1/feedback/projects/{project.slug}/export")
    file = b"id,text\nb1,Ein Beitrag aus Burgheim\n"
    own_b = _staff(other, member_factory, "staff-b")
    assert own_b.post(paths[0], {"file": _upload("b.csv", file)}).status_code == 404
    assert own_b.get(paths[1], {"format": "csv"}).status_code == 404
    # B's staff at A's host: refused at the door.
    at_a = Client(HTTP_HOST=town.host)
    at_a.force_login(member_factory(other, Role.TOWN_STAFF, "staff-b2"))
    assert at_a.post(paths[0], {"file": _upload("b.csv", file)}).status_code == 403
    assert at_a.get(paths[1], {"format": "csv"}).status_code == 403
    ohne = _staff(unsubscribed, member_factory, "staff-c")
    assert ohne.post(paths[0], {"file": _upload("b.csv", file)}).status_code == 403
    assert ohne.get(paths[1], {"format": "csv"}).status_code == 403
    with schema_context(town.schema_name):
        assert not Contribution.objects.filter(external_id="b1").exists()


# (role, import allowed, export allowed): staff change projects, every member reads them.
FILE_PERMISSIONS = [
    (Role.TOWN_ADMIN, 201, 200),
    (Role.TOWN_STAFF, 201, 200),
    (Role.FINANCE, 403, 200),
    (Role.DPO, 403, 200),
    ("platform_admin", 201, 200),
    ("anonymous", (401, 403), (401, 403)),
]


def test_file_endpoints_permission_table(project_a, member_factory, django_user_model):
    town, project = project_a
    base = f"/api/v1/feedback/projects/{project.slug}"
    for number, (role, may_import, may_export) in enumerate(FILE_PERMISSIONS):
        client = Client(HTTP_HOST=town.host)
        if role == "platform_admin":
            client.force_login(django_user_model.objects.create_user("kreis-it-fb", password="x" * 12, is_staff=True))
        elif role != "anonymous":
            client.force_login(member_factory(town, role, f"table-{role}"))
        status = client.post(f"{base}/import", {"file": _upload("t.csv", f"id,text\nt{number},Ein Beitrag\n".encode())})
        assert status.status_code in (may_import if isinstance(may_import, tuple) else (may_import,)), role
        status = client.get(f"{base}/export", {"format": "json"})
        assert status.status_code in (may_export if isinstance(may_export, tuple) else (may_export,)), role


def test_a_file_over_the_upload_limit_is_refused_before_it_is_read(project_a, member_factory, monkeypatch):
    from services.feedback import conf

    town, project = project_a
    monkeypatch.setattr(conf, "MAX_IMPORT_BYTES", 2**20)
    big = b"id,text\n" + b"".join(b"g%d,%s\n" % (n, b"x" * 200) for n in range(6000))
    response = _staff(town, member_factory).post(f"/api/v1/feedback/projects/{project.slug}/import",
                                                 {"file": _upload("big.csv", big)})
    assert response.status_code == 400 and response.json()["detail"] == "The file is larger than 1 MB."
    with schema_context(town.schema_name):
        assert not Contribution.objects.filter(external_id="g1").exists()
