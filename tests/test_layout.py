"""`import platform` must give the standard library module wherever the code runs."""

import platform
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def _is_stdlib(path: str) -> bool:
    return Path(path).resolve().parent == STDLIB


def test_platform_is_stdlib_under_pytest():
    assert _is_stdlib(platform.__file__)
    assert callable(platform.python_version)


def test_platform_is_stdlib_at_repo_root():
    out = subprocess.run([sys.executable, "-c", "import platform; print(platform.__file__)"],
                         cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()
    assert _is_stdlib(out), out


def test_platform_is_stdlib_in_manage_py():
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "import platform; print(platform.__file__)"],
        cwd=REPO, check=True, capture_output=True, text=True,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "devtools.test_settings"},
    ).stdout.strip()
    assert _is_stdlib(out.splitlines()[-1]), out


def test_source_root_is_not_a_package():
    assert not (REPO / "platform" / "__init__.py").exists()
    assert (REPO / "platform" / "kiverbund" / "settings.py").exists()
