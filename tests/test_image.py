"""The container image. No container builder runs on the build machine, so this checks the Containerfile's
instructions and runs its build steps (infra/image/build.sh, the script the Containerfile runs) into a
clean virtual environment: the product installs from its pinned dependencies, the message catalogues
compile, the static files are collected, and the installed product passes ``check --deploy`` with the
chart's production values, run from outside the repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .helm.test_production_settings import production_env

REPO = Path(__file__).resolve().parents[1]
CONTAINERFILE = (REPO / "Containerfile").read_text()


def stages() -> list[str]:
    return re.split(r"^FROM ", CONTAINERFILE, flags=re.M)[1:]


def test_containerfile_is_multi_stage_pinned_and_non_root():
    build, run = stages()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", CONTAINERFILE, re.M).group(1)
    assert re.fullmatch(r"[\w./-]+/python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base), base
    assert build.startswith("${PYTHON_IMAGE} AS build") and run.startswith("${PYTHON_IMAGE} AS run")
    assert "RUN kiverbund-build /src /opt/kiverbund /opt/kiverbund/static" in build
    # Build tools stay in the build stage; the image runs as an unprivileged numeric user.
    assert "gettext" in build and "gettext" not in run and "gcc" not in run and "pip install" not in run
    assert "COPY --from=build /opt/kiverbund /opt/kiverbund" in run
    user = re.findall(r"^USER (\S+)$", run, re.M)
    assert user == ["10001:10001"]
    # The chart's securityContext runs the same user; the web command matches the chart's.
    assert '"gunicorn", "--config", "python:kiverbund.gunicorn_conf", "kiverbund.wsgi"' in run


def build_context(target: Path) -> Path:
    """What the build stage's COPY lines put into /src, copied from the checkout (and nothing else)."""
    import shutil

    build, _run = stages()
    for line in build.splitlines():
        if not line.startswith("COPY ") or "--from" in line or "build.sh" in line:
            continue
        *sources, destination = line.split()[1:]
        for source in sources:
            into = target / destination
            if (REPO / source).is_dir():
                shutil.copytree(REPO / source, into, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"))
            else:  # files go into a folder (`COPY a b ./`)
                into.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / source, into)
    return target


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("image")
    source = build_context(root / "src")
    venv, static = root / "opt" / "kiverbund", root / "opt" / "kiverbund" / "static"
    result = subprocess.run(["sh", str(REPO / "infra" / "image" / "build.sh"), str(source), str(venv), str(static)],
                            capture_output=True, text=True, timeout=1500, cwd=root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return venv, static


def test_build_steps_install_the_product_into_a_clean_environment(built):
    venv, static = built
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # The product itself is installed (not a link to the repository), with its compiled catalogues.
    assert (site / "kiverbund" / "settings.py").is_file() and not (site / "kiverbund" / "settings.py").is_symlink()
    assert (site / "kiverbund" / "locale" / "de" / "LC_MESSAGES" / "django.mo").is_file()
    assert list((site / "services").glob("*/locale/de/LC_MESSAGES/django.mo"))
    assert (venv / "bin" / "gunicorn").is_file() and (venv / "bin" / "celery").is_file()
    assert (venv / "manage.py").is_file()
    # Static files collected and compressed for whitenoise.
    assert (static / "portal" / "site.css").is_file() and (static / "portal" / "site.css.gz").is_file()
    # No link back into the repository: what the image runs is what was installed.
    assert not list(site.glob("__editable__*")) and not list(site.glob("*.egg-link"))


def test_the_installed_product_passes_check_deploy_outside_the_repository(built, tmp_path):
    venv, static = built
    env = {**production_env(), "STATIC_ROOT": str(static), "PYTHONPATH": ""}
    result = subprocess.run([venv / "bin" / "python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=venv, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    where = subprocess.run([venv / "bin" / "python", "-c", "import kiverbund; print(kiverbund.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout
    assert str(venv) in where and str(REPO) not in where
    assert sys.prefix != str(venv)


def test_the_installed_product_answers_the_workers_liveness_probe(built, tmp_path):
    """The chart's exec probe for workers and beat (``python -m core.heartbeat``) runs from the installed product."""
    venv, _static = built
    heartbeat = tmp_path / "worker.heartbeat"
    probe = [venv / "bin" / "python", "-m", "core.heartbeat", "--max-age", "180"]
    env = {"PATH": os.environ.get("PATH", ""), "HEARTBEAT_FILE": str(heartbeat), "PYTHONPATH": ""}
    missing = subprocess.run(probe, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "no heartbeat yet" in missing.stderr
    heartbeat.touch()
    assert subprocess.run(probe, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60).returncode == 0
