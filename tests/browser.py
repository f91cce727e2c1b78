"""Debian's Chromium driven by Playwright; screenshots go to test-artifacts/."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("Debian's chromium is not installed (make test installs it: apt-get install chromium)")


@contextmanager
def browser_page(locale: str = "de-DE"):
    """A page in Chromium; the journey fails if the platform's Content-Security-Policy blocked anything on it."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    blocked: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(locale=locale)
            page = context.new_page()
            page.on("console", lambda message: blocked.append(message.text)
                    if "Content Security Policy" in message.text else None)
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()
    assert not blocked, f"the Content-Security-Policy blocked: {blocked}"


AXE_SCRIPT = Path(__file__).resolve().parents[1] / ".cache" / "axe-core" / "4.14.1" / "node_modules" / "axe-core" / \
    "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _axe_violations(page) -> list[str]:
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core is not installed at {AXE_SCRIPT} (make test installs it: make axe)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, so the page's Content-Security-Policy does not apply to it.
        page.evaluate(AXE_SCRIPT.read_text())
    result = page.evaluate("""async (tags) => {
        const found = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
        return found.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ` +
            v.nodes.slice(0, 5).map(n => n.target.join(" ")).join(", "));
    }""", WCAG_21_AA)
    return list(result)


def _horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than its viewport (0 when nothing scrolls sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def check_page(page, name: str) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation at desktop width and at 390 px, where nothing scrolls sideways.

    Screenshots of both widths go to test-artifacts/ (``<name>.png`` and ``<name>-390.png``).
    """
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size or DESKTOP
    problems: list[str] = []
    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-390")):
        page.set_viewport_size(viewport)
        page.screenshot(path=ARTIFACTS / f"{name}{suffix}.png", full_page=True)
        problems += [f"{page.url} at {viewport['width']} px: {v}" for v in _axe_violations(page)]
        overflow = _horizontal_overflow(page)
        if overflow > 0:
            wide = page.evaluate("""() => {
                const limit = document.documentElement.clientWidth + 1, found = [];
                const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
                const scrolls = (node) => {
                    for (let up = node.parentElement; up && up !== document.body; up = up.parentElement) {
                        if (["auto", "scroll", "hidden"].includes(getComputedStyle(up).overflowX)) return true;
                    }
                    return false;
                };
                for (let node = walker.nextNode(); node && found.length < 5; node = walker.nextNode()) {
                    if (scrolls(node)) continue;
                    const range = document.createRange(); range.selectNodeContents(node);
                    const box = node.nodeType === 1 ? node.getBoundingClientRect() : range.getBoundingClientRect();
                    if (box.right > limit) found.push(node.nodeType === 1 ? node.tagName.toLowerCase() + '.' +
                        node.className : JSON.stringify(node.textContent.trim().slice(0, 60)));
                }
                return found;
            }""")
            problems.append(f"{page.url} at {viewport['width']} px scrolls sideways by {overflow} px: {wide}")
    page.set_viewport_size(size)
    assert not problems, "\n".join(problems)
