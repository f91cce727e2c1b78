"""Benchmarks cannot rot: ``make test`` runs every script in bench/ in a quick mode on small sizes.

The figures are printed (``pytest -s`` shows them), never asserted: a timing depends on the machine.
What is asserted is that each script runs to its end, so a change that breaks one is seen at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
# Small sizes for every benchmark script; a new script needs an entry here (the test below says so).
QUICK = {
    "billing.py": ["--towns", "20", "--services", "3", "--months", "2", "--db=kiverbund_bench_billing_quick"],
    "onboarding.py": ["--towns", "20", "--samples", "2", "--noop-runs", "1", "--stock-limit", "20",
                      "--stock-subset", "5", "--db", "kiverbund_bench_quick"],
    "chatbot.py": ["--quick", "--db", "kiverbund_bench_chatbot_quick"],
    "chatbot_methods.py": ["--quick"],
    "chatbot_calibration.py": ["--quick", "--db", "kiverbund_bench_calibration_quick"],
    "feedback.py": ["--sample", "60", "--sentiment-sample", "100", "--skip-speed"],
    "load.py": ["--quick", "--db", "kiverbund_bench_load_quick"],
    "roads.py": ["--detections", "2000", "--images", "4", "--db", "kiverbund_bench_roads_quick"],
}
SCRIPTS = sorted(path.name for path in BENCH.glob("*.py") if not path.name.startswith("_")
                 and path.name != "bench_settings.py")


def test_every_benchmark_has_a_quick_mode():
    assert sorted(QUICK) == SCRIPTS


@pytest.mark.bench
@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_runs_in_quick_mode(script):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # each script chooses its own settings
    run = subprocess.run([sys.executable, str(BENCH / script), *QUICK[script]], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=3600)
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
