"""Benchmark: the chatbot's confidence calibration, fitted on one half of the public questions, checked on the other.

    .venv/bin/python bench/chatbot_calibration.py [--quick] [--db kiverbund_bench_calibration]

Imports ../shared/data/chatbot/faq_de.tsv into a fresh town, ranks every public question with the product's
retrieval (services/chatbot/retrieval.search) and records the fused score of the first and second hit and
whether both dense signals (phrasing and passage cosine) name the first hit as their best. On the questions
about even-numbered entries (the "choice" half, as in bench/chatbot_methods.py) it fits a logistic regression
of "the first hit is right" on (top score, lead over the runner-up), the score's coefficient kept
non-negative, and the ratio of the first hit's right-rates when the two dense signals disagree and when they
agree (``DISAGREEMENT_FACTOR``); it prints the constants in the form retrieval.py uses and, per answer
threshold, the choice half's answered share and precision. The questions about odd-numbered entries only
report: answered share and precision, "Meinten Sie" share and how often the right entry is among its
candidates, with the shipped calibration and threshold, and a reliability table of the fitted confidence.
Numbers only; nothing here changes the product.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy's threads against the engine's: 30× at p95

import numpy as np  # noqa: E402
from _common import bench_env, drop_database, manage, recreate_database  # noqa: E402
from chatbot import public_sample  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

from devtools.shared import shared_dir  # noqa: E402

DATA = shared_dir() / "data" / "chatbot"
THRESHOLDS = tuple(round(0.25 + 0.025 * i, 3) for i in range(15))  # 0.25 to 0.60


def fit(x: np.ndarray, y: np.ndarray, ridge: float = 1e-3) -> np.ndarray:
    """Logistic regression (scikit-learn, a small L2 penalty keeps it finite); returns (bias, weights...)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1 / ridge, max_iter=1000).fit(x, y)
    return np.concatenate([model.intercept_, model.coef_[0]])


def outcomes(rows: list[dict], confidence, threshold: float) -> dict:
    """What the product does (services/chatbot/actions/chat.py) with these hits at this threshold."""
    from services.chatbot.actions.chat import suggestions

    answered = right = offered = reached = 0
    for row in rows:
        c = confidence(row)
        if row["topic"] or (row["best_sensitive"] and c >= threshold):
            continue  # escalated to a person
        if c >= threshold:
            answered += 1
            right += row["right"]
        else:
            candidates = suggestions(row["hits"])
            if candidates:
                offered += 1
                reached += row["faq_id"] in [e.external_id for e in candidates]
    n = len(rows)
    return {"answered": answered / n, "precision": right / answered if answered else float("nan"),
            "suggested": offered / n, "among": reached / offered if offered else float("nan"),
            "reached": (right + reached) / n}


def line(label: str, r: dict) -> str:
    return (f"{label:<34} answered {r['answered']:.3f} (precision {r['precision']:.3f})   "
            f"Meinten Sie {r['suggested']:.3f} (right among candidates {r['among']:.3f})   "
            f"right answered or offered {r['reached']:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="kiverbund_bench_calibration")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--quick", action="store_true", help="the first 40 entries and their questions (make test)")
    args = parser.parse_args(argv)
    faq_path, questions_path = DATA / "faq_de.tsv", DATA / "questions_public.tsv"
    if not faq_path.exists() or not questions_path.exists():
        print(f"shared data not found at {DATA}: nothing to measure", file=sys.stderr)
        return 2
    env = bench_env(args.db)
    os.environ.update({k: env[k] for k in ("KIVERBUND_PROFILE", "DATABASE_URL", "DJANGO_SETTINGS_MODULE",
                                           "KEYCLOAK_PROVISIONING")})
    recreate_database(args.db)
    manage("migrate", "-v", "0", env=env)

    import django

    django.setup()
    from django_tenants.utils import schema_context

    from core import embedding
    from services.chatbot import retrieval
    from services.chatbot.actions.chat import ANSWER_THRESHOLD
    from services.chatbot.actions.knowledge import import_entries
    from services.chatbot.sensitive import matching_topic
    from tenants.actions import TownData, onboard_town

    town, _ = onboard_town(TownData(ags="09999002", name="Kalibrierstadt", population=12000), actor="bench",
                           activate=True)
    faq, questions = public_sample(quick=args.quick)
    rows = []
    with schema_context(town.schema_name):
        result = import_entries(faq, actor="bench", town=town)
        assert result.ok, result.errors
        for question, faq_id in questions:
            found = retrieval.search(question, vector=embedding.embed_query(question.strip()[:1000]))
            hits = found.hits
            rows.append({"faq_id": faq_id, "topic": matching_topic(question) is not None, "hits": hits,
                         "top": hits[0].score if hits else 0.0,
                         "second": hits[1].score if len(hits) > 1 else 0.0,
                         "best_sensitive": bool(hits) and hits[0].entry.sensitive,
                         "agree": bool(hits) and hits[0].dense_best,
                         "right": bool(hits) and hits[0].entry.external_id == faq_id})
    choice = [r for r in rows if faq_id_is_even(r["faq_id"])]
    report = [r for r in rows if not faq_id_is_even(r["faq_id"])]
    print(f"{len(faq)} entries, {len(rows)} questions ({len(choice)} choose, {len(report)} report)")

    y = np.array([float(r["right"]) for r in choice])
    bias, w_top, w_margin = fit(np.array([[r["top"], r["top"] - r["second"]] for r in choice]), y)
    print(f"logistic fit on the choice half: bias {bias:.3f}, score {w_top:.3f}, lead {w_margin:.3f}")
    if w_top < 0:
        # A higher score may not lower the confidence: with that coefficient at its bound, the lead alone.
        bias, w_margin = fit(np.array([[r["top"] - r["second"]] for r in choice]), y)
        w_top = 0.0
        print(f"score coefficient held at 0: bias {bias:.3f}, lead {w_margin:.3f}")
    print(f"as retrieval.py writes it: MARGIN_CENTER {-bias / w_margin if w_margin else float('nan'):.3f}, "
          f"MARGIN_SLOPE {w_margin:.2f}"
          + (f", score slope {w_top:.2f}" if w_top else ""))

    # The two dense signals naming the first hit as their best, or not: how often the first hit is right.
    agreed = [r for r in choice if r["agree"]]
    disagreed = [r for r in choice if not r["agree"]]
    rate = {key: sum(r["right"] for r in rows_) / len(rows_) if rows_ else float("nan")
            for key, rows_ in (("agree", agreed), ("disagree", disagreed))}
    factor = rate["disagree"] / rate["agree"] if rate["agree"] else float("nan")
    print(f"first hit right on the choice half: both dense signals name it {rate['agree']:.3f} "
          f"({sum(r['right'] for r in agreed)} of {len(agreed)}), they disagree {rate['disagree']:.3f} "
          f"({sum(r['right'] for r in disagreed)} of {len(disagreed)}): DISAGREEMENT_FACTOR {factor:.2f} "
          f"(shipped {retrieval.DISAGREEMENT_FACTOR})")

    def shipped(row: dict) -> float:
        return retrieval.confidence(row["hits"])

    def fitted(row: dict) -> float:
        if row["hits"] and row["hits"][0].trgm >= 1.0 and (len(row["hits"]) < 2 or row["hits"][1].trgm < 1.0):
            return 1.0  # the exact-phrasing rule of retrieval.confidence
        p = 1 / (1 + math.exp(-(bias + w_top * row["top"] + w_margin * (row["top"] - row["second"]))))
        return p if row["agree"] else p * factor

    print("choice half with the fitted constants, per answer threshold:")
    for threshold in THRESHOLDS:
        print("   " + line(f"threshold {threshold:.3f}", outcomes(choice, fitted, threshold)))
    print("reliability of the fitted confidence on the report half (band: questions, share whose first hit is right):")
    bands = (0.0, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 1.0001)
    for low, high in zip(bands, bands[1:], strict=False):
        band = [r for r in report if low <= fitted(r) < high]
        share = f"{sum(r['right'] for r in band) / len(band):.3f}" if band else "–"
        print(f"   {low:.2f}–{min(high, 1):.2f}: {len(band):4d}  {share}")
    print(f"report half ({len(report)} questions) with the shipped calibration (retrieval.confidence, "
          f"threshold {ANSWER_THRESHOLD}):")
    print("   " + line("shipped", outcomes(report, shipped, ANSWER_THRESHOLD)))
    print("   " + line(f"fitted here, threshold {ANSWER_THRESHOLD}", outcomes(report, fitted, ANSWER_THRESHOLD)))
    if not args.keep_db:
        from django.db import connections

        connections.close_all()
        drop_database(args.db)
    return 0


def faq_id_is_even(faq_id: str) -> bool:
    return faq_id.isdigit() and int(faq_id) % 2 == 0


if __name__ == "__main__":
    sys.exit(main())
