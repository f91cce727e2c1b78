"""Benchmark: quality and speed of the citizen-feedback analysis, beside baselines measured in the same run.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/feedback.py [--sample N] [--sentiment-sample N]

1. Topics: ../shared/data/feedback/cycling_dialogues_bonn.csv (2,314 contributions, 8 human categories
   the analysis never sees). The service's own clustering (``services.feedback.analysis.topics``,
   number of topics chosen automatically, "Other" counted as one more label) over its topic vectors
   (Universal Sentence Encoder multilingual), the same over e5 (the way before), each encoder's plain
   k-means, and TF-IDF over the same lemmas + k-means with the same number of clusters; NMI and ARI.
2. Sentiment: ../shared/data/sentiment/germeval2017_dev.tsv. The shipped model (seed sentences only, no
   town decisions) against the majority class; macro-F1 and accuracy. GermEval is for non-commercial
   research: it is only measured on, nothing is fitted to it.
3. Speed: embedding throughput on 32 fresh contributions (e5 one by one, in batches, clipped shorter;
   the topic vectors), import rates with and without waiting for e5, and the analysis
   steps (duplicates, spam, topics with automatic k, keywords, sentiment) on 10,000 contributions whose
   embeddings exist (the Bonn vectors repeated with small noise, as a town's stored vectors would be).

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

import numpy as np  # noqa: E402

from services.feedback import embedding  # noqa: E402
from services.feedback.analysis import duplicates, sentiment, spam, topics  # noqa: E402
from services.feedback.analysis import text as textlib  # noqa: E402


def embed_cached(name: str, texts: list[str], *, topic: bool = False) -> np.ndarray:
    model = f"use-m3|{embedding.TOPIC_CHARS}" if topic else f"e5-small|{embedding.PASSAGE_CHARS}"
    key = hashlib.sha256("\x1e".join([model, *texts]).encode()).hexdigest()[:16]
    path = CACHE / f"{name}{'-use' if topic else ''}-{key}.npy"
    if path.exists():
        print(f"  {'topic vectors' if topic else 'e5 embeddings'} of {name}: cached ({path.name})")
        return np.load(path)
    started = time.perf_counter()
    vectors = np.asarray(embedding.embed_topic_vectors(texts) if topic else embedding.embed_passages(texts),
                         dtype=np.float32)
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


def bench_topics(sample: int | None) -> dict:
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
    vectors = embed_cached(f"bonn{len(rows)}", texts)
    started = time.perf_counter()
    result = topics.cluster(topic_vectors, docs)
    ours_seconds = time.perf_counter() - started
    labels = result.assignment.tolist()  # -1 (Other) counts as one more label
    k = result.k
    nmi = normalized_mutual_info_score(truth, labels)
    tfidf = TfidfVectorizer(min_df=2, sublinear_tf=True).fit_transform(docs)
    base = KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(tfidf)
    base_nmi = normalized_mutual_info_score(truth, base)
    before = topics.cluster(vectors, docs, k=k).assignment  # the service's method over e5, same k

    def plain(x):  # an encoder alone, without LSA and without the Other bucket
        return KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(x / np.linalg.norm(x, axis=1, keepdims=True))

    print(f"  service: k={k} (automatic, silhouette {result.silhouette:.3f}), {len(result.other)} in Other, "
          f"{ours_seconds:.1f} s")
    print(f"  {'method':<52}{'NMI':>8}{'ARI':>8}")
    for name, found in (("service (USE + LSA k-means + Other)", labels),
                        ("before: the same over e5 (+ LSA, Other)", before),
                        ("USE k-means alone, no Other bucket", plain(topic_vectors)),
                        ("e5 k-means alone, no Other bucket", plain(vectors)),
                        ("baseline: TF-IDF (lemmas) + k-means, same k", base)):
        print(f"  {name:<52}{normalized_mutual_info_score(truth, found):>8.3f}"
              f"{adjusted_rand_score(truth, found):>8.3f}")
    ok = nmi >= base_nmi + TARGET_NMI_MARGIN
    print(f"  target NMI >= baseline + {TARGET_NMI_MARGIN}: {'met' if ok else 'MISSED'} "
          f"({nmi - base_nmi:+.3f})")
    for t in result.topics[:k]:
        print(f"    {len(t.members):5d}  {t.label}")
    return {"vectors": vectors, "topic_vectors": topic_vectors, "docs": docs, "texts": texts}


def bench_sentiment(sample: int | None) -> None:
    from sklearn.metrics import accuracy_score, f1_score

    rows = read_csv(GERMEVAL, "\t")
    if sample:
        rows = rows[:sample]
    truth = [r["sentiment"] for r in rows]
    print(f"\n2. Sentiment: {GERMEVAL.name}, {len(rows)} texts "
          f"({', '.join(f'{c} {truth.count(c)}' for c in sentiment.LABELS)})")
    vectors = embed_cached(f"germeval{len(rows)}", [r["text"] for r in rows])
    model = sentiment.train()
    predicted, _ = model.predict(vectors)
    majority = max(set(truth), key=truth.count)
    print(f"  {'method':<44}{'macro-F1':>10}{'accuracy':>10}")
    print(f"  {'service (e5, 300 seed sentences, no town data)':<44}"
          f"{f1_score(truth, predicted, average='macro', labels=list(sentiment.LABELS)):>10.3f}"
          f"{accuracy_score(truth, predicted):>10.3f}")
    print(f"  {'baseline: majority class (' + majority + ')':<44}"
          f"{f1_score(truth, [majority] * len(truth), average='macro', labels=list(sentiment.LABELS)):>10.3f}"
          f"{accuracy_score(truth, [majority] * len(truth)):>10.3f}")
    f1 = f1_score(truth, predicted, average="macro", labels=list(sentiment.LABELS))
    print("  per class F1: " + ", ".join(
        f"{c} {v:.3f}" for c, v in zip(sentiment.LABELS, f1_score(truth, predicted, average=None,
                                                                  labels=list(sentiment.LABELS)), strict=True)))
    print(f"  target macro-F1 >= {TARGET_F1}: {'met' if f1 >= TARGET_F1 else 'MISSED'}")


def _rate(label: str, count: int, work) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    work()
    wall = count / (time.perf_counter() - started)
    per_cpu = count / max(time.process_time() - cpu, 1e-9)
    print(f"  {label:<58}{wall:7.1f}/s wall {per_cpu:7.1f} per CPU second  (load {os.getloadavg()[0]:.1f})")
    return wall


def bench_speed(base: dict) -> None:
    from core import embedding as core_embedding

    print("\n3. Speed (contributions per second; the import target counts wall clock)")
    fresh = [t + " (Bench)" for t in base["texts"][-32:]]
    by_length = sorted(fresh, key=len)
    model = core_embedding._batch_model()
    model.passage("warm up")
    embedding.embed_topic_vectors(["warm up"])
    clipped = [t[:embedding.PASSAGE_CHARS] for t in by_length]
    _rate(f"e5, one passage at a time ({embedding.PASSAGE_CHARS} characters)", len(fresh),
          lambda: [model.passage(t) for t in clipped])
    for size in (embedding.BATCH, 32):
        _rate(f"e5, batches of {size} sorted by length ({embedding.PASSAGE_CHARS} characters)", len(fresh),
              lambda size=size: [model.passage(clipped[i:i + size]) for i in range(0, len(clipped), size)])
    short = [t[:200] for t in by_length]
    _rate(f"e5, batches of {embedding.BATCH}, clipped to 200 characters", len(fresh),
          lambda: [model.passage(short[i:i + embedding.BATCH]) for i in range(0, len(short), embedding.BATCH)])
    _rate("topic vectors (USE multilingual), whole text", len(fresh), lambda: embedding.embed_topic_vectors(fresh))
    _rate("lemmas (simplemma)", len(fresh), lambda: [textlib.lemmas(t) for t in fresh])

    def prepare(with_e5: bool):
        for t in fresh:
            textlib.lemmas(t)
        embedding.embed_topic_vectors(fresh)
        if with_e5:
            embedding.embed_passages(fresh)

    rate = _rate("import with all vectors (lemmas, topic vector, e5)", len(fresh), lambda: prepare(True))
    deferred = _rate("import, e5 left to the worker (lemmas, topic vector)", len(fresh), lambda: prepare(False))
    print(f"  target import >= {TARGET_IMPORT_RATE}/s: with e5 {'met' if rate >= TARGET_IMPORT_RATE else 'MISSED'}, "
          f"e5 in the worker {'met' if deferred >= TARGET_IMPORT_RATE else 'MISSED'}")
    rng = np.random.default_rng(1)
    n = 10_000
    idx = np.arange(n) % len(base["vectors"])
    vectors = base["vectors"][idx] + rng.normal(0, 0.01, (n, base["vectors"].shape[1])).astype(np.float32)
    topic_idx = base["topic_vectors"][idx] + rng.normal(0, 0.01, (n, base["topic_vectors"].shape[1])).astype(np.float32)
    docs = [base["docs"][i] for i in idx]
    texts = [base["texts"][i] + f" #{j}" for j, i in enumerate(idx)]
    clock = {}
    cpu = time.process_time()
    started = time.perf_counter()
    t = time.perf_counter()
    groups = duplicates.groups(vectors, [textlib.normalised(x) for x in texts])
    clock["duplicates"] = time.perf_counter() - t
    t = time.perf_counter()
    flagged = sum(1 for x in texts if spam.reason(x))
    clock["spam"] = time.perf_counter() - t
    t = time.perf_counter()
    result = topics.cluster(topic_idx, docs)
    clock["topics"] = time.perf_counter() - t
    t = time.perf_counter()
    sentiment.train().predict(vectors)
    clock["sentiment"] = time.perf_counter() - t
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu
    print(f"  analysis of {n} contributions with stored embeddings: {total:.1f} s wall, {cpu:.1f} s CPU "
          f"({', '.join(f'{k} {v:.1f} s' for k, v in clock.items())}; k={result.k}, {len(groups)} duplicate groups, "
          f"{flagged} spam) — target <= {TARGET_ANALYSIS_S:.0f} s: {'met' if total <= TARGET_ANALYSIS_S else 'MISSED'}")
    print("  (the database reads and writes of a run come on top; measured on a shared machine, see bench/README.md)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=None, help="only the first N Bonn contributions")
    parser.add_argument("--sentiment-sample", type=int, default=None, help="only the first N GermEval texts")
    parser.add_argument("--skip-sentiment", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devtools.test_settings")
    print(f"cores: {os.cpu_count()}, load average: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    base = bench_topics(args.sample)
    if not args.skip_sentiment:
        bench_sentiment(args.sentiment_sample)
    if not args.skip_speed:
        bench_speed(base)


if __name__ == "__main__":
    main()
