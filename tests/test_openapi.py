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


def test_months_are_documented_as_sent_and_every_operation_documents_its_errors():
    schema = yaml.safe_load(COMMITTED.read_text())
    for component in ("BillingPeriod", "Statement"):
        month = schema["components"]["schemas"][component]["properties"]["month"]
        assert "format" not in month and month["pattern"] == r"^\d{4}-(0[1-9]|1[0-2])$", component
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"400", "403", "404"} <= set(operation["responses"]), (method, path)
    ask = schema["paths"]["/api/v1/chatbot/ask"]["post"]["responses"]
    assert "429" in ask and "401" not in ask  # throttled, anonymous
    report = schema["paths"]["/api/v1/billing/statements/report/"]["get"]["responses"]["200"]["content"]
    assert {"application/pdf", "text/csv", "application/xml"} <= set(report)
