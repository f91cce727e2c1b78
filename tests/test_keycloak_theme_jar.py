"""``manage.py keycloak_theme_jar``: the platform's Keycloak themes as a reproducible theme JAR for providers/."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

THEME = Path(__file__).resolve().parents[1] / "platform" / "identity" / "keycloak_theme"


def test_the_jar_holds_the_email_theme_and_its_descriptor(tmp_path):
    out = io.StringIO()
    call_command("keycloak_theme_jar", "--output", str(tmp_path / "kiverbund-theme.jar"), stdout=out)
    jar = zipfile.ZipFile(tmp_path / "kiverbund-theme.jar")
    assert jar.testzip() is None
    meta = json.loads(jar.read("META-INF/keycloak-themes.json"))
    assert meta == {"themes": [{"name": "kiverbund", "types": ["email"]}]}
    sources = sorted(p.relative_to(THEME).as_posix() for p in THEME.rglob("*") if p.is_file())
    assert "kiverbund/email/html/org-invite.ftl" in sources and "kiverbund/email/theme.properties" in sources
    assert sorted(jar.namelist()) == sorted(["META-INF/keycloak-themes.json", *(f"theme/{s}" for s in sources)])
    for source in sources:
        assert jar.read(f"theme/{source}") == (THEME / source).read_bytes()
    digest = hashlib.sha256((tmp_path / "kiverbund-theme.jar").read_bytes()).hexdigest()
    assert "kiverbund (email)" in out.getvalue() and digest in out.getvalue()


def test_the_jar_is_reproducible_and_a_folder_gets_the_default_name(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    call_command("keycloak_theme_jar", "--output", str(tmp_path / "a"), stdout=io.StringIO())
    call_command("keycloak_theme_jar", "--output", str(tmp_path / "b"), stdout=io.StringIO())
    first, second = (tmp_path / "a" / "kiverbund-theme.jar"), (tmp_path / "b" / "kiverbund-theme.jar")
    assert first.read_bytes() == second.read_bytes()
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["kiverbund-theme.jar"]  # no partial file left


@pytest.mark.parametrize("output, message", [
    ("theme.zip", "must end in .jar"),
    ("missing/kiverbund-theme.jar", "no such folder"),
])
def test_bad_output_paths_are_refused_clearly(tmp_path, output, message):
    with pytest.raises(CommandError, match=message):
        call_command("keycloak_theme_jar", "--output", str(tmp_path / output))
    assert not list(tmp_path.iterdir())
