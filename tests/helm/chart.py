"""Rendering the Helm chart in tests: the helm binary ``make helm`` builds, ``helm template``, and the pieces of
the rendered manifests (the commands and environment of each process)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "infra" / "helm" / "kiverbund"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
HELM_VERSION = "v3.22.0"


def helm_binary() -> str:
    """The helm that ``make helm`` builds into the cache (``HELM`` overrides); fails loudly when missing."""
    candidates = [os.environ.get("HELM", ""),
                  str(Path(os.environ.get("KIVERBUND_HELM_CACHE", Path.home() / ".cache" / "kiverbund" / "helm"))
                      / HELM_VERSION / "helm"),
                  shutil.which("helm") or ""]
    for candidate in filter(None, candidates):
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError(f"no helm binary: run `make helm` (builds helm {HELM_VERSION} with Go into the cache)")


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([helm_binary(), *args], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "HELM_CACHE_HOME": "/tmp/kiverbund-helm-cache",
                                 "HELM_CONFIG_HOME": "/tmp/kiverbund-helm-config",
                                 "HELM_DATA_HOME": "/tmp/kiverbund-helm-data"})
    if check and result.returncode:
        raise AssertionError(f"helm {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def template_args(values: list[Path | str] = (), sets: list[str] = (), release: str = "kv") -> list[str]:
    args = ["template", release, str(CHART), "--namespace", "kiverbund", "--kube-version", "1.31.0"]
    for path in values:
        args += ["--values", str(path)]
    for item in sets:
        args += ["--set", item]
    return args


def render(values: list[Path | str] = (), sets: list[str] = (), release: str = "kv") -> list[dict]:
    """The manifests ``helm template`` renders (hooks included), as dicts."""
    out = helm(*template_args(values, sets, release)).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def by_kind(manifests: list[dict], kind: str) -> list[dict]:
    return [m for m in manifests if m["kind"] == kind]


def named(manifests: list[dict], kind: str, suffix: str) -> dict:
    found = [m for m in by_kind(manifests, kind) if m["metadata"]["name"].endswith(suffix)]
    assert len(found) == 1, f"{kind} *{suffix}: {[m['metadata']['name'] for m in by_kind(manifests, kind)]}"
    return found[0]


def pod_spec(manifest: dict) -> dict:
    spec = manifest["spec"]
    if manifest["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def workloads(manifests: list[dict]) -> list[dict]:
    return [m for m in manifests if m["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")]


def container_env(container: dict, secrets: dict[tuple[str, str], str]) -> dict[str, str]:
    """A container's environment with each secretKeyRef replaced from ``secrets[(secret, key)]``."""
    env = {}
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = secrets[(ref["name"], ref["key"])]
    return env
