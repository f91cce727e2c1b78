"""The staff journey through the pages, the Bonn file, isolation between towns, entitlement,
the public form's spam checks, the council report read back as text, and the town API."""

import csv
import io
import json
import subprocess

from django.core import signing
from django_tenants.utils import schema_context

from services.feedback import formats
from services.feedback.actions.importing import parse_row
from services.feedback.models import Contribution, Decision, Topic
from tenants.models import Role

from ..conftest import host_client


def test_the_bonn_file_reads_whole(bonn_file):
    """All 2,314 rows of the Bonn file pass the import checks (30 have only a title); its human
    categories stay metadata the analysis never reads. (The full import with embeddings is measured
    in bench/feedback.py: embedding 2,314 texts takes minutes on two cores.)"""
    rows = formats.read_rows(bonn_file.read_bytes(), bonn_file.name)
    assert len(rows) == 2314
    parsed = [parse_row(r) for r in rows]
    assert sum(1 for r, p in zip(rows, parsed, strict=True) if not r["text"].strip() and p["text"]) == 30
    assert {"category", "city"} <= set(parsed[0]["metadata"])


def _bonn_slice(bonn_file, n: int) -> bytes:
    with bonn_file.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))[:n]
    out = io.StringIO()
    writer = csv.DictWriter(out, ["id", "title", "text", "category"], extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_staff_journey_through_the_pages(project_a, bonn_file, member_factory, tmp_path,
                                        django_capture_on_commit_callbacks):
    town, project = project_a
    staff = member_factory(town, Role.TOWN_STAFF, "sachbearbeiterin")
    client = host_client(town.host, staff)
    # A new project, and a slice of the Bonn file imported through the page.
    response = client.post("/feedback/", {"title": "Radverkehr Bonn", "slug": "radverkehr-bonn", "description": "",
                                          "south": "50.6", "west": "7.0", "north": "50.8", "east": "7.2"})
    assert response.status_code == 302 and response["Location"].endswith("/feedback/radverkehr-bonn/")
    upload = io.BytesIO(_bonn_slice(bonn_file, 30))
    upload.name = "bonn.csv"
    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/feedback/radverkehr-bonn/import/", {"file": upload})
    assert response.status_code == 302
    with schema_context(town.schema_name):
        imported = Contribution.objects.filter(project__slug="radverkehr-bonn")
        assert imported.count() == 30
        # The request does not wait for the model: a worker job embeds the rows after the commit.
        assert imported.filter(topic_vector__isnull=True).count() == 30 and len(queued) == 1
        from services.feedback.actions.importing import embed_missing

        assert embed_missing(imported.first().project, batch=16) == 30
        assert not imported.filter(topic_vector__isnull=True).exists()
    # A bad file: a clear refusal with the rows, nothing imported.
    bad = io.BytesIO(b"id,text\nz1,gut\nz2,\n")
    bad.name = "bad.csv"
    response = client.post("/feedback/radverkehr-bonn/import/", {"file": bad})
    assert response.status_code == 400 and "z2" in response.content.decode()

    # The analysed small project: topics, rename, merge, sentiment corrections, the log.
    from services.feedback.actions.analysis import request_analysis, run_analysis

    with schema_context(town.schema_name):
        run_analysis(request_analysis(project, actor=staff, town=town, topics_wanted=4, send=False), town=town)
        by_id = {c.external_id: c for c in Contribution.objects.filter(project=project)}
        cycling, play = by_id["r1"].topic_suggested_id, by_id["s1"].topic_suggested_id
        noise = by_id["l1"].topic_suggested_id
    page = client.get(f"/feedback/{project.slug}/").content.decode()
    assert "Radweg" in page or "radweg" in page
    assert client.post(f"/feedback/{project.slug}/topics/{cycling}/", {"action": "rename",
                                                                        "label": "Radwege"}).status_code == 302
    assert client.post(f"/feedback/{project.slug}/topics/{noise}/", {"action": "merge",
                                                                      "target": play}).status_code == 302
    for cid, value in (("r1", "negative"), ("s4", "positive"), ("l2", "neutral")):
        response = client.post(f"/feedback/{project.slug}/contributions/{by_id[cid].pk}/decide/",
                               {"kind": "sentiment", "value": value})
        assert response.status_code == 302
    with schema_context(town.schema_name):
        assert Topic.objects.get(pk=cycling).label == "Radwege"
        assert not Topic.objects.filter(pk=noise).exists()
        assert Contribution.objects.get(pk=by_id["l1"].pk).topic_decided_id == play
        assert Contribution.objects.get(pk=by_id["l2"].pk).sentiment == "neutral"
        assert Decision.objects.filter(project=project, actor="sachbearbeiterin").count() >= 4
    log = client.get(f"/feedback/{project.slug}/decisions/").content.decode()
    assert "feedback.topic.renamed" in log and "sachbearbeiterin" in log and "feedback.sentiment" in log
    # Filters and full-text search.
    listing = client.get(f"/feedback/{project.slug}/contributions/", {"q": "Spielplatz"}).content.decode()
    assert 'data-id="s1"' in listing and 'data-id="r1"' not in listing
    negative = client.get(f"/feedback/{project.slug}/contributions/", {"sentiment": "negative"}).content.decode()
    assert 'data-id="r1"' in negative and 'data-id="s4"' not in negative
    # Map, timeline.
    map_page = client.get(f"/feedback/{project.slug}/map/").content.decode()
    assert "vendor/leaflet/leaflet.js" in map_page and '"r1"' in map_page
    assert client.get(f"/feedback/{project.slug}/timeline/").status_code == 200
    # The council report as PDF (read back as text) and XLSX; the export.
    pdf = client.get(f"/feedback/{project.slug}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    (tmp_path / "bericht.pdf").write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "bericht.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Radwege" in text and "Universal Sentence Encoder multilingual" in text
    assert "Ratsbericht" in text or "Council report" in text
    xlsx = client.get(f"/feedback/{project.slug}/report.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    assert len(book.sheetnames) == 3
    exported = client.get(f"/feedback/{project.slug}/export.csv").content.decode()
    assert exported.splitlines()[0].startswith("id,title,text") and "'=HYPERLINK" in exported
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(exported))}
    assert rows["r1"]["topic_label"] == "Radwege" and rows["r1"]["sentiment"] == "negative"
    assert rows["r1"]["reviewed"] == "ja"


def test_towns_see_only_their_own_projects_and_unsubscribed_towns_are_refused(project_a, make_town,
                                                                                member_factory):
    town, project = project_a
    other = make_town("Burgheim")
    foreign = member_factory(other, Role.TOWN_STAFF, "staff-b")
    unsubscribed = make_town("Ohnedorf", subscribed=False)
    member = member_factory(unsubscribed, Role.TOWN_STAFF, "staff-c")
    own_b = host_client(other.host, foreign)
    assert project.title not in own_b.get("/feedback/").content.decode()
    assert own_b.get(f"/feedback/{project.slug}/").status_code == 404
    # A member of B at A's host: refused whatever the URL.
    at_a = host_client(town.host, foreign)
    for url in ("/feedback/", f"/feedback/{project.slug}/", f"/feedback/{project.slug}/export.csv",
                f"/api/v1/feedback/projects/{project.slug}/contributions"):
        assert at_a.get(url).status_code == 403, url
    assert host_client(unsubscribed.host, member).get("/feedback/").status_code == 403
    assert host_client(unsubscribed.host, member).get("/api/v1/feedback/projects").status_code == 403


def _form(client, url):
    page = client.get(url)
    token = page.context["form"]["started"].value()
    return page, token


def test_public_form_spam_checks_and_api(project_a, member_factory):
    town, project = project_a
    with schema_context(town.schema_name):
        project.is_public = True
        project.save()
    citizen = host_client(town.host)
    url = f"/feedback/{project.slug}/participate/"
    page, token = _form(citizen, url)
    assert page.status_code == 200
    # Sent back at once: refused as automated; the hidden field filled: refused.
    response = citizen.post(url, {"text": "Mehr Bänke im Park", "started": token})
    assert response.status_code == 400
    old = signing.dumps("0", salt="feedback.form.started")
    assert citizen.post(url, {"text": "Mehr Bänke", "started": old, "website": "x"}).status_code == 400
    response = citizen.post(url, {"text": "Mehr Bänke im Park am See", "started": old, "lat": "50.7",
                                  "lon": "7.1", "email": "a@example.org", "consent": "on"})
    assert response.status_code == 200 and "Vielen Dank" in response.content.decode()
    with schema_context(town.schema_name):
        stored = Contribution.objects.get(project=project, source="form")
        assert (stored.lat, stored.lon, stored.contact_email) == (50.7, 7.1, "a@example.org")
        assert stored.topic_vector is not None
    # The API: citizens submit, staff read the results.
    api = host_client(town.host)
    response = api.post(f"/api/v1/feedback/projects/{project.slug}/submit",
                        json.dumps({"text": "Bitte eine Ampel an der Schule"}), content_type="application/json")
    assert response.status_code == 201
    assert api.post(f"/api/v1/feedback/projects/{project.slug}/submit", json.dumps({"text": ""}),
                    content_type="application/json").status_code == 400
    staff = host_client(town.host, member_factory(town, Role.TOWN_STAFF, "staff-api"))
    rows = staff.get(f"/api/v1/feedback/projects/{project.slug}/contributions").json()
    assert {"id", "topic", "topic_label", "sentiment", "duplicate_of", "spam", "reviewed"} <= set(rows[0])
    # An internal project takes no contributions.
    with schema_context(town.schema_name):
        project.is_public = False
        project.save()
    assert citizen.get(url).status_code == 404
