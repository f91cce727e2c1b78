"""The official EN 16931 and XRechnung business rules (Schematron compiled to XSLT), run with saxonche.

The rules live beside the repository in ``../shared/validators/xrechnung/`` (not copied into it). A test that
needs them fails loudly when they are missing: an e-invoice that was never checked must not pass.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from devtools.shared import shared_dir

RULES = ("EN16931-CII-validation.xslt", "XRechnung-CII-validation.xsl")


def rules_dir() -> Path:
    candidate = shared_dir() / "validators" / "xrechnung"
    if all((candidate / name).exists() for name in RULES):
        return candidate
    pytest.fail("The XRechnung rules are missing: ../shared/validators/xrechnung/ (EN16931-CII-validation.xslt, "
                "XRechnung-CII-validation.xsl) must be present beside the repository.")


@functools.cache
def _compiled():
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    xslt = processor.new_xslt30_processor()
    return processor, [xslt.compile_stylesheet(stylesheet_file=str(rules_dir() / name)) for name in RULES]


def failed_rules(xml: bytes) -> list[tuple[str, str, str]]:
    """``(rule id, flag, text)`` of every failed assertion, warnings included."""
    processor, stylesheets = _compiled()
    document = processor.parse_xml(xml_text=xml.decode("utf-8"))
    failed = []
    for stylesheet in stylesheets:
        svrl = stylesheet.transform_to_string(xdm_node=document)
        for match in re.finditer(r"<svrl:failed-assert\b([^>]*)>.*?<svrl:text>(.*?)</svrl:text>", svrl, re.S):
            rule = re.search(r'id="([^"]+)"', match.group(1))
            flag = re.search(r'(?:flag|role)="([^"]+)"', match.group(1))
            failed.append((rule.group(1) if rule else "?", flag.group(1) if flag else "error",
                           re.sub(r"\s+", " ", match.group(2)).strip()))
    return failed


def broken_rules(xml: bytes) -> list[str]:
    """The rules flagged fatal or error that ``xml`` breaks (an invoice portal rejects such an invoice)."""
    return [f"{rule}: {text}" for rule, flag, text in failed_rules(xml) if flag in ("fatal", "error")]


def assert_accepted(xml: bytes) -> None:
    broken = broken_rules(xml)
    assert not broken, "XRechnung breaks the EN 16931 / XRechnung rules:\n" + "\n".join(broken)
