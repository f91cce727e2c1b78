"""Benchmark: ways of ranking the chatbot's entries by meaning, compared outside the product.

    .venv/bin/python bench/chatbot_methods.py [--quick]

Embeds ../shared/data/chatbot/faq_de.tsv (entry questions as queries, passages of question and answer
cut at 600 characters and at 2,000, the answers alone) and the public paraphrased questions with the
platform's e5 model, then ranks every entry for every question by each method and prints top-1/top-3.

The questions are split by the entry they ask about: those about even-numbered entries choose (the
"choice" half), those about odd-numbered entries only report (the "report" half), so the two halves share
no entry and a method chosen on one is checked on the other. The learning rows add the even-indexed
half of the questions as question variants (as bench/chatbot.py's learning loop does) and rank the other
half's questions about the same entries. Numbers only; the product's ranking is in
services/chatbot/retrieval.py.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy's threads against the engine's: 30× at p95

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

from devtools.shared import shared_dir  # noqa: E402

DATA = shared_dir() / "data" / "chatbot"
CACHE = REPO / ".cache" / "bench-chatbot"
FEEDBACK = [(3, 0.5), (3, 1.0), (5, 0.5), (5, 1.0)]  # (passages, weight) tried for pseudo-relevance feedback


def embedded(kind: str, texts: list[str], chars: int = 600) -> np.ndarray:
    from core import embedding

    key = hashlib.sha256("\x1e".join([f"e5-small|{kind}|{chars}", *texts]).encode()).hexdigest()[:16]
    path = CACHE / f"{kind}-{key}.npy"
    if path.exists():
        return np.load(path)
    started = time.perf_counter()
    if kind == "query":
        vectors = embedding.embed_queries(texts)
    else:
        vectors = embedding.embed_passages(texts, chars=chars)
    print(f"  embedded {len(texts)} {kind} texts{f' ({chars} characters)' if kind == 'passage' else ''} in {time.perf_counter() - started:.0f} s",
          flush=True)
    out = np.asarray(vectors, dtype=np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, out)
    return out


def feedback(query: np.ndarray, passages: np.ndarray, k: int, weight: float) -> np.ndarray:
    """Rocchio: each question moved towards the mean of its ``k`` nearest passages."""
    nearest = np.argsort(-(query @ passages.T), axis=1)[:, :k]
    moved = query + weight * passages[nearest].mean(axis=1)
    return moved / np.linalg.norm(moved, axis=1, keepdims=True)


def zscore(scores: np.ndarray) -> np.ndarray:
    return (scores - scores.mean(axis=1, keepdims=True)) / scores.std(axis=1, keepdims=True)


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the first 40 entries and their questions")
    args = parser.parse_args(argv)
    if not (DATA / "faq_de.tsv").exists():
        print(f"shared data not found at {DATA}: nothing to measure", file=sys.stderr)
        return 2
    from services.chatbot.text import plain_text

    faq = _rows(DATA / "faq_de.tsv")
    asked = _rows(DATA / "questions_public.tsv")
    if args.quick:
        faq = faq[:40]
    ids = [str(row["id"]) for row in faq]
    position = {entry_id: i for i, entry_id in enumerate(ids)}
    asked = [row for row in asked if str(row["faq_id"]) in position]
    gold = np.array([position[str(row["faq_id"])] for row in asked])
    choice = np.array([int(row["faq_id"]) % 2 == 0 for row in asked])
    answers = [plain_text(row["answer"]) for row in faq]
    print(f"{len(faq)} entries, {len(asked)} questions ({choice.sum()} choose, {(~choice).sum()} report)", flush=True)

    query = embedded("query", [row["question"] for row in asked])
    questions = embedded("query", [row["question"] for row in faq])
    short = embedded("passage", [f"{row['question']}\n{a}" for row, a in zip(faq, answers, strict=True)], 600)
    whole = embedded("passage", [f"{row['question']}\n{a}" for row, a in zip(faq, answers, strict=True)], 2000)
    alone = embedded("passage", answers, 2000)

    def row(label: str, scores: np.ndarray, concerned: np.ndarray | None = None) -> None:
        order = np.argsort(-scores, axis=1)
        top1, top3 = order[:, 0] == gold, (order[:, :3] == gold[:, None]).any(axis=1)
        text = (f"{label:62s} all {top1.mean():.3f}/{top3.mean():.3f}   choose {top1[choice].mean():.3f}/"
                f"{top3[choice].mean():.3f}   report {top1[~choice].mean():.3f}/{top3[~choice].mean():.3f}")
        if concerned is not None and len(concerned):
            text += f"   learned {top1[concerned].mean():.3f}"
        print(text)

    print("\nmethod (top-1/top-3)")
    q_q, q_short, q_whole = query @ questions.T, query @ short.T, query @ whole.T
    row("question ↔ entry question (query: / query:)", q_q)
    row("question ↔ question + answer, 600 characters", q_short)
    row("question ↔ question + whole answer", q_whole)
    row("question ↔ answer alone", query @ alone.T)
    row("z-scores summed: entry question + whole passage", zscore(q_q) + zscore(q_whole))
    row("z-scores summed: entry question + passage + answer", zscore(q_q) + zscore(q_whole) + zscore(query @ alone.T))
    for k, weight in FEEDBACK:
        moved = feedback(query, whole, k, weight) @ whole.T
        row(f"feedback {k} passages, weight {weight}: passage", moved)
        row(f"feedback {k} passages, weight {weight}: max(passage - 0.025, question)",
            np.maximum(moved - 0.025, q_q))

    taught = np.arange(len(asked))[0::2]
    gained = {gold[i] for i in taught}
    concerned = np.array([i for i in np.arange(len(asked))[1::2] if gold[i] in gained], dtype=int)
    with_variants = q_q.copy()
    for i in taught:
        with_variants[:, gold[i]] = np.maximum(with_variants[:, gold[i]], query @ query[i])
    print(f"\nlearning: {len(taught)} questions added as variants; {len(concerned)} others ask about those entries")
    for k, weight in FEEDBACK[:1]:
        moved = feedback(query, whole, k, weight) @ whole.T
        row(f"before: feedback {k}/{weight}, max with question", np.maximum(moved - 0.025, q_q), concerned)
        row(f"after:  feedback {k}/{weight}, max with question or variant",
            np.maximum(moved - 0.025, with_variants), concerned)
    return 0


if __name__ == "__main__":
    sys.exit(main())
