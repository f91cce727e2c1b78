"""The analysis as a real Celery job with its progress on the page, and a citizen's contribution with a
location through the public form in Debian's Chromium."""

import time

import pytest
from django_tenants.utils import schema_context

from services.feedback.models import AnalysisRun, Contribution
from tenants.models import Role

from ..browser import ARTIFACTS, browser_page
from ..conftest import host_client
from .conftest import CONTRIBUTIONS


def _project(town, **values):
    from services.feedback.actions.importing import import_contributions
    from services.feedback.actions.projects import save_project

    with schema_context(town.schema_name):
        project = save_project({"slug": "beteiligung", "title": "Beteiligung 2026", **values}, actor="pytest",
                               town=town)
        assert import_contributions(project, CONTRIBUTIONS, actor="pytest", town=town).ok
    return project


@pytest.mark.worker
def test_analysis_runs_in_the_worker_and_reports_progress(committed_town, celery_worker, member_factory):
    town = committed_town("Analysestadt", "09999821")
    project = _project(town)
    staff = host_client(town.host, member_factory(town, Role.TOWN_STAFF, "staff-worker"))
    response = staff.post(f"/feedback/{project.slug}/analyse/", {"topics": ""})
    assert response.status_code == 302
    page = staff.get(f"/feedback/{project.slug}/").content.decode()
    assert 'data-running="1"' in page and "feedback/progress.js" in page
    deadline = time.monotonic() + 900  # generous: two shared cores; this is no timing assertion
    status = {}
    while time.monotonic() < deadline:
        status = staff.get(f"/feedback/{project.slug}/status/").json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert status["status"] == "done", status
    assert status["progress"] == 100
    with schema_context(town.schema_name):
        run = AnalysisRun.objects.get(project=project)
        assert run.parameters["k_automatic"] and run.results["contributions"] == len(CONTRIBUTIONS)
        assert Contribution.objects.filter(project=project, topic_suggested__isnull=False).exists()


@pytest.mark.worker
def test_a_page_import_is_embedded_by_the_worker(committed_town, celery_worker, member_factory):
    """The request stores the rows; the worker job queued after the commit computes their vectors."""
    import io

    town = committed_town("Importstadt", "09999823")
    from services.feedback.actions.projects import save_project

    with schema_context(town.schema_name):
        project = save_project({"slug": "import", "title": "Import 2026"}, actor="pytest", town=town)
    staff = host_client(town.host, member_factory(town, Role.TOWN_STAFF, "staff-import"))
    rows = "".join(f"{c['id']},\"{c['text']}\"\n" for c in CONTRIBUTIONS[:6])
    upload = io.BytesIO(f"id,text\n{rows}".encode())
    upload.name = "beitraege.csv"
    assert staff.post(f"/feedback/{project.slug}/import/", {"file": upload}).status_code == 302
    with schema_context(town.schema_name):
        stored = Contribution.objects.filter(project=project)
        assert stored.count() == 6
        deadline = time.monotonic() + 900  # generous: two shared cores; this is no timing assertion
        while stored.filter(topic_vector__isnull=True).exists() \
                and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not stored.filter(topic_vector__isnull=True).exists()
        assert all(len(c.topic_vector) == 512 and c.lemmas for c in stored)


@pytest.mark.browser
def test_citizen_submits_a_contribution_with_a_location(live_server, committed_town, monkeypatch):
    monkeypatch.setattr("services.feedback.conf.MIN_FORM_SECONDS", 0)
    town = committed_town("Mitmachstadt", "09999822")
    from services.feedback.actions.projects import save_project

    with schema_context(town.schema_name):
        save_project({"slug": "ideen", "title": "Ideen für den Stadtpark", "is_public": True,
                      "area": [50.70, 7.05, 50.76, 7.15]}, actor="pytest", town=town)
    port = live_server.url.rsplit(":", 1)[1]
    with browser_page() as page:
        page.goto(f"http://{town.host}:{port}/feedback/ideen/participate/")
        page.wait_for_selector("#picker[data-ready='1']")
        page.get_by_label("Ihr Beitrag").fill("Im Stadtpark fehlen Bänke im Schatten und ein Trinkbrunnen.")
        box = page.locator("#picker").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function("document.getElementById('id_lat').value !== ''")
        page.get_by_label("E-Mail für Rückfragen (optional)").fill("buergerin@example.org")
        page.get_by_label("Die Gemeinde darf mich", exact=False).check()
        page.get_by_role("button", name="Beitrag senden").click()
        page.get_by_text("Vielen Dank").wait_for()
        page.screenshot(path=ARTIFACTS / "feedback-public-form.png", full_page=True)
    with schema_context(town.schema_name):
        stored = Contribution.objects.get(project__slug="ideen")
    assert stored.text.startswith("Im Stadtpark fehlen Bänke")
    assert 50.70 < stored.lat < 50.76 and 7.05 < stored.lon < 7.15
    assert stored.contact_email == "buergerin@example.org" and stored.contact_consent
    assert stored.source == "form"
