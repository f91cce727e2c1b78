"""The committed OpenAPI schema (docs/openapi.yaml) is what the code generates; `make openapi` updates it."""

from pathlib import Path

import yaml
from django.core.management import call_command

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "openapi.yaml"


def test_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", urlconf="kiverbund.urls_api", lang="en", file=str(generated))
    assert generated.read_text() == COMMITTED.read_text(), "docs/openapi.yaml is out of date: run `make openapi`"


def test_schema_covers_console_and_town_apis():
    paths = yaml.safe_load(COMMITTED.read_text())["paths"]
    for path in ("/api/v1/towns/", "/api/v1/offerings/", "/api/v1/county/register/",  # console host
                 "/api/v1/town/", "/api/v1/catalogue/", "/api/v1/subscriptions/{id}/checklist/",  # town host
                 "/api/v1/register/{id}/"):
        assert path in paths, path
    assert not any("/echo" in p for p in paths), "the test-only service must not be published"
