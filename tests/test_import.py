from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_exists

from core.audit.models import AuditEntry
from devtools.shared import shared_dir
from tenants.importers import clean_gv_name
from tenants.models import Town

GV100AD = shared_dir() / "data" / "municipalities" / "GV100AD_301121.ASC"
DEMO_CSV = Path(__file__).resolve().parents[1] / "devtools" / "demo" / "towns.csv"


@pytest.fixture
def gv100ad() -> Path:
    # Part of the project's fixtures: its absence is a failure, never a skip.
    assert GV100AD.is_file(), f"shared data missing: {GV100AD} (needs the project's shared/ folder beside the repository)"
    return GV100AD


def test_import_a_kreis_from_gv100ad(db, capsys, gv100ad):
    call_command("import_towns", gv100ad=GV100AD, kreis="09574")
    towns = Town.objects.filter(kreis="09574")
    # 41 records in Nürnberger Land, 14 of them unincorporated areas (Textkennzeichen 65/66).
    assert towns.count() == 27
    lauf = towns.get(ags="09574138")
    assert (lauf.name, lauf.slug, lauf.population) == ("Lauf a.d.Pegnitz", "lauf-a-d-pegnitz", 26434)
    assert lauf.kreis_name == "Nürnberger Land"
    assert str(lauf.population_date) == "2020-12-31"
    assert all(schema_exists(t.schema_name) for t in towns)
    assert "27 town(s) onboarded" in capsys.readouterr().out
    # Again: nothing new, nothing duplicated.
    call_command("import_towns", gv100ad=GV100AD, kreis="09574")
    assert Town.objects.filter(kreis="09574").count() == 27


def test_gv100ad_needs_a_valid_kreis(db, gv100ad):
    with pytest.raises(CommandError, match="needs --kreis"):
        call_command("import_towns", gv100ad=GV100AD)
    with pytest.raises(CommandError, match="5 digits"):
        call_command("import_towns", gv100ad=GV100AD, kreis="9574")
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_towns", gv100ad=GV100AD, kreis="09999")
    assert not Town.objects.exists()


def test_gv100ad_names_lose_their_type_suffix():
    assert clean_gv_name("Flensburg, Stadt") == "Flensburg"
    assert clean_gv_name("Feucht, M  ") == "Feucht"
    assert clean_gv_name("Altdorf b.Nürnberg, St") == "Altdorf b.Nürnberg"
    assert clean_gv_name("Burgthann") == "Burgthann"


def test_csv_import_of_the_demo_county(db):
    call_command("import_towns", csv=DEMO_CSV, activate=True)
    assert Town.objects.count() == 6
    musterstadt = Town.objects.get(ags="09999111")
    assert musterstadt.host == "musterstadt.kiverbund.localhost"
    assert musterstadt.leitweg_id == "09999111-0001-27"
    assert musterstadt.status == "active"


def test_csv_import_is_atomic_and_reports_every_bad_row(db, tmp_path, capsys):
    bad = tmp_path / "towns.csv"
    bad.write_text(
        "ags;name;population;kreis\n"
        "09999301;Gutdorf;1000;09999\n"
        "0999930;Kurzdorf;1000;09999\n"
        "09999303;Falschkreis;1000;09998\n"
        "09999304;Zahlendorf;viele;09999\n"
        "09999301;Doppeldorf;1000;09999\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="4 error"):
        call_command("import_towns", csv=bad)
    err = capsys.readouterr().err
    assert "Zeile 3" in err and "8 digits" in err
    assert "Zeile 4" in err and "Kreis 09998" in err
    assert "Zeile 5" in err and "Einwohnerzahl" in err
    assert "Zeile 6" in err and "duplicate AGS" in err
    assert not Town.objects.exists()
    assert not AuditEntry.objects.exists()
    assert not schema_exists("town_09999301")


def test_csv_error_in_onboarding_rolls_back_earlier_rows(db, tmp_path):
    call_command("onboard_town", ags="09999310", name="Altstadt", population="100")
    path = tmp_path / "towns.csv"
    path.write_text("ags,name,population\n09999311,Neuhof,200\n09999310,Andersstadt,300\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_towns", csv=path)
    assert not Town.objects.filter(ags="09999311").exists()
    assert not schema_exists("town_09999311")


def test_csv_with_missing_or_unknown_columns(db, tmp_path):
    path = tmp_path / "towns.csv"
    path.write_text("ags,name\n09999320,Ohnezahl\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_towns", csv=path)
    path.write_text("ags,name,population,mayor\n09999320,Ohnezahl,5,Frau X\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_towns", csv=path)
    with pytest.raises(CommandError, match="file not found"):
        call_command("import_towns", csv=tmp_path / "missing.csv")
