"""Drafts look like drafts: an open period's statements say "vorläufig / Entwurf" on the pages, in every format
and in their numbers, and have no XRechnung; a closed period's Umlagebescheid carries due date, payment
details and the county's legal remedy text."""

import csv
import io
from decimal import Decimal

from django.core.management import call_command
from openpyxl import load_workbook

from billing.models import AllocationRule, CostPool, Statement
from tests.xrechnung_rules import assert_accepted

from ..conftest import host_client
from .test_finance_pages import MONTH, PERIOD, pdf_text, person, setup  # noqa: F401  (fixture)


def test_an_open_period_is_a_draft_everywhere_and_a_closed_one_is_final(setup, tmp_path, settings):
    settings.BILLING_LEGAL_REMEDY = "Gegen diesen Bescheid ist der Widerspruch beim Landratsamt Musterland zulässig."
    CostPool.objects.create(service="echo", period=MONTH, category="licences", amount=Decimal("12345.67"))
    AllocationRule.objects.create(service="echo", kind="population")
    call_command("billing_run", period=PERIOD)
    a = setup["a"]
    draft = Statement.objects.get(town=a)
    assert draft.number.endswith("-ENTWURF") and not draft.final
    county, kaemmerei = setup["console"], host_client(a.host, person("finance", a))

    page = county.get(f"/finance/?period={PERIOD}").content.decode()
    assert "vorläufig / Entwurf" in page and "download/xrechnung/" not in page
    assert "8.230,45 €" in page  # German thousands separators: 12,345.67 € × 12,000 / 18,000
    status = county.get(f"/finance/period/status/?period={PERIOD}").json()
    assert status["final"] is False and status["run_pending"] is False and status["last_run_at"]
    town_page = kaemmerei.get("/finance/").content.decode()
    assert "vorläufig / Entwurf" in town_page and "download/xrechnung/" not in town_page and "8.230,45 €" in town_page

    refused = kaemmerei.get(f"/finance/download/xrechnung/?period={PERIOD}")
    assert refused.status_code == 400 and "noch offen" in refused.content.decode()
    rows = list(csv.DictReader(io.StringIO(kaemmerei.get(f"/finance/download/csv/?period={PERIOD}")
                                           .content.decode("utf-8-sig")), delimiter=";"))
    assert {r["status"] for r in rows} == {"draft"} and rows[0]["statement"].endswith("-ENTWURF")
    book = load_workbook(io.BytesIO(kaemmerei.get(f"/finance/download/xlsx/?period={PERIOD}").content))
    assert book.sheetnames[0] == "Übersicht (Entwurf)" and book.worksheets[0]["H2"].value == "vorläufig (Entwurf)"
    for fmt in ("pdf", "umlage"):
        response = kaemmerei.get(f"/finance/download/{fmt}/?period={PERIOD}")
        assert "entwurf" in response["Content-Disposition"]
        text = " ".join(pdf_text(response.content, tmp_path).split())
        assert "Entwurf (vorläufig)" in text and "Vorläufig – Entwurf" in text and "ENTWURF" in text
    assert "Rechtsbehelfsbelehrung" not in text  # a draft is no notice

    call_command("billing_run", period=PERIOD, close=True)
    final = Statement.objects.get(town=a)
    assert final.final and not final.number.endswith("-ENTWURF")
    page = county.get(f"/finance/?period={PERIOD}").content.decode()
    assert "vorläufig / Entwurf" not in page and "download/xrechnung/" in page and "endgültig" in page
    assert county.get(f"/finance/period/status/?period={PERIOD}").json()["final"] is True
    umlage = " ".join(pdf_text(kaemmerei.get(f"/finance/download/umlage/?period={PERIOD}").content, tmp_path).split())
    assert "Entwurf" not in umlage and "Fällig am" in umlage and "DE02120300000000202051" in umlage
    assert "Rechtsbehelfsbelehrung" in umlage and "Widerspruch beim Landratsamt Musterland" in umlage
    assert_accepted(kaemmerei.get(f"/finance/download/xrechnung/?period={PERIOD}").content)


def test_county_finance_lands_on_the_finance_page(db, console_host):
    response = host_client(console_host, person("county_finance")).get("/")
    assert response.status_code == 302 and response["Location"] == "/finance/"
