from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from devtools.shared import shared_dir
from tests.catalog.conftest import subscribe_to_service, subscribing

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

BONN = shared_dir() / "data" / "feedback" / "cycling_dialogues_bonn.csv"

# Contributions written for these tests (not from any benchmark file): three clear subjects,
# a campaign (the same text three times), a near-copy and two spam posts.
CONTRIBUTIONS = [
    {"id": "r1", "title": "Radweg Hauptstraße", "text": "Der Radweg an der Hauptstraße ist viel zu schmal und voller Schlaglöcher.", "lat": "50.73", "lon": "7.10", "created_at": "2026-03-01", "district": "Mitte"},
    {"id": "r2", "text": "Bitte den Radweg am Bahnhof verbreitern, Radfahrer und Fußgänger kommen sich ständig in die Quere.", "lat": "50.74", "lon": "7.09", "created_at": "2026-03-02"},
    {"id": "r3", "text": "Auf dem Radweg zur Schule fehlen Markierungen, Autos parken dort ständig.", "created_at": "2026-03-02"},
    {"id": "r4", "text": "Die Radwege im Ortsteil Nord sind in einem schlechten Zustand und gefährlich.", "created_at": "2026-03-03"},
    {"id": "r5", "text": "Ein durchgehender, geschützter Radweg entlang der Bundesstraße wäre wichtig.", "created_at": "2026-03-04"},
    {"id": "r6", "text": "Der neue Radweg am Fluss ist wunderbar, vielen Dank dafür!", "created_at": "2026-03-05"},
    {"id": "r7", "text": "Radfahrstreifen auf der Ringstraße sind zu schmal, Lkw überholen gefährlich knapp.", "created_at": "2026-03-05"},
    {"id": "s1", "title": "Spielplatz", "text": "Der Spielplatz im Stadtpark braucht neue Schaukeln und einen Sandkasten.", "created_at": "2026-03-06"},
    {"id": "s2", "text": "Auf dem Spielplatz an der Schule liegen Scherben, die Kinder können dort nicht spielen.", "created_at": "2026-03-06"},
    {"id": "s3", "text": "Wir wünschen uns einen Wasserspielplatz für kleine Kinder im Neubaugebiet.", "created_at": "2026-03-07"},
    {"id": "s4", "text": "Der Spielplatz am Markt ist toll, die Kinder lieben das neue Klettergerüst.", "created_at": "2026-03-07"},
    {"id": "s5", "text": "Mehr Schatten und Bänke für Eltern auf den Spielplätzen wären schön.", "created_at": "2026-03-08"},
    {"id": "s6", "text": "Spielgeräte für Jugendliche fehlen, ein Bolzplatz neben dem Spielplatz wäre gut.", "created_at": "2026-03-08"},
    {"id": "l1", "text": "Nachts ist der Lärm von der Diskothek in der Altstadt unerträglich.", "created_at": "2026-03-09"},
    {"id": "l2", "text": "Die Motorräder am Wochenende sind viel zu laut, bitte Lärmschutz und Kontrollen.", "created_at": "2026-03-09"},
    {"id": "l3", "text": "Der Verkehrslärm an der Umgehungsstraße raubt uns den Schlaf, wir brauchen eine Lärmschutzwand.", "created_at": "2026-03-10"},
    {"id": "l4", "text": "Laubbläser am Sonntagmorgen sind eine Zumutung, Lärm ohne Ende.", "created_at": "2026-03-10"},
    {"id": "l5", "text": "Nach 22 Uhr sollte auf dem Festplatz Ruhe herrschen, der Lärm stört die Anwohner.", "created_at": "2026-03-11"},
    {"id": "c1", "text": "Wir fordern Tempo 30 vor allen Schulen und Kitas in unserer Stadt!", "created_at": "2026-03-12"},
    {"id": "c2", "text": "Wir fordern Tempo 30 vor allen Schulen und Kitas in unserer Stadt!", "created_at": "2026-03-12"},
    {"id": "c3", "text": "Wir fordern Tempo 30 vor allen Schulen und Kitas in unserer Stadt !!", "created_at": "2026-03-13"},
    {"id": "x1", "text": "Billig Casino Bonus jetzt kaufen https://spam.example http://spam.example/2", "created_at": "2026-03-13"},
    {"id": "x2", "text": "aaaaaaaaaaaaaaaaaaaaaaa", "created_at": "2026-03-14"},
    {"id": "f1", "text": "=HYPERLINK(\"http://evil.example\",\"Hier klicken\") Radweg bitte reparieren", "created_at": "2026-03-14"},
]


def subscribe_to_feedback(town) -> None:
    """An active feedback subscription through the real workflow."""
    subscribe_to_service(town, "feedback", title="AVV Bürgerbeteiligung", amount=Decimal("18000.00"))


@pytest.fixture
def make_town(make_town):
    return subscribing(make_town, subscribe_to_feedback)


@pytest.fixture
def committed_town(committed_town):
    return subscribing(committed_town, subscribe_to_feedback)


@pytest.fixture
def project_a(town_a):
    """Town A with a project holding the small contribution set (imported, not analysed)."""
    from services.feedback.actions.importing import import_contributions
    from services.feedback.actions.projects import save_project

    with schema_context(town_a.schema_name):
        project = save_project({"slug": "radverkehr", "title": "Radverkehr und Spielplätze"}, actor="pytest",
                               town=town_a)
        report = import_contributions(project, CONTRIBUTIONS, actor="pytest", town=town_a)
        assert report.ok, report.errors
    return town_a, project


@pytest.fixture
def analysed_a(project_a):
    from services.feedback.actions.analysis import request_analysis, run_analysis

    town, project = project_a
    with schema_context(town.schema_name):
        run = request_analysis(project, actor="pytest", town=town, topics_wanted=4, send=False)
        run_analysis(run, town=town)
    return town, project


@pytest.fixture
def bonn_file() -> Path:
    # Must not skip silently: the Bonn tests fail loudly when the shared data is missing.
    assert BONN.is_file(), f"shared data missing: {BONN} (needs the project's shared/ folder beside the repository)"
    return BONN
