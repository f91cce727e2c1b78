"""The knowledge base's CSV, TSV and XLSX exports are safe to open and read back unchanged."""

from __future__ import annotations

import csv
import io

from django_tenants.utils import schema_context
from openpyxl import load_workbook

from services.chatbot.actions.knowledge import import_entries
from services.chatbot.formats import read_rows, write_rows
from services.chatbot.models import Entry

from ..test_safe_exports import EVIL


def test_knowledge_base_exports_neutralise_formulas_and_round_trip(town_faq):
    rows = [{"id": f"e{i}", "question": f"Frage {i}?", "answer": "Antwort", "department": text}
            for i, text in enumerate(EVIL)]
    with schema_context(town_faq.schema_name):
        assert import_entries(rows, actor="pytest", town=town_faq).ok
        entries = list(Entry.objects.filter(external_id__in=[row["id"] for row in rows]).order_by("external_id"))
        for fmt in ("csv", "tsv"):
            content = write_rows(entries, fmt).decode()
            cells = [row["department"] for row in csv.DictReader(io.StringIO(content),
                                                                  delimiter="\t" if fmt == "tsv" else ",")]
            assert all(cell.startswith("'") for cell in cells), cells
            # Read back by the platform, the texts are what staff typed.
            assert sorted(row["department"] for row in read_rows(content.encode(), f"kb.{fmt}")) == sorted(
                e.department for e in entries)
        sheet = load_workbook(io.BytesIO(write_rows(entries, "xlsx"))).active
        column = [cell for cell in sheet["F"][1:]]
        assert all(cell.data_type == "s" for cell in column)
        assert sorted(cell.value for cell in column) == sorted(e.department for e in entries)
        assert sorted(r["department"] for r in read_rows(write_rows(entries, "xlsx"), "kb.xlsx")) == sorted(
            e.department for e in entries)
