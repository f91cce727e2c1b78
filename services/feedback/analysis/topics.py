"""Topic clustering over the contributions' vectors (USE multilingual), keywords by class-based TF-IDF over lemmas.

Why k-means on embeddings: on German participation texts the multilingual sentence
embeddings separate subjects that share few words ("Poller" / "Hindernis") better than
word counts (CONSUL's NMF over TF-IDF); bench/feedback.py measures both in one run.
The number of topics is chosen by the silhouette on a sample unless staff fix it.
Contributions close to two topics and far from both centres go to "Other / can't decide"
instead of being forced into one (as Sensemaker and Talk to the City do).
Topics a person filled (moved contributions into, merged, split) are anchors: their members stay,
and their centres compete with the new clusters for every other contribution, so the next run
follows the town's corrections.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

MIN_TOPICS = 4
MAX_TOPICS = 16
SILHOUETTE_SAMPLE = 1200
LSA_DIMENSIONS = 100
LSA_WEIGHT = 1.0
LSA_MIN_CONTRIBUTIONS = 100
OTHER_QUANTILE = 0.1


@dataclass
class TopicResult:
    members: list[int]  # indexes into the input
    keywords: list[str]
    label: str
    representatives: list[int]  # indexes, most typical first
    anchor: object = None  # the anchor key this topic continues, if any
    centroid: np.ndarray | None = None


@dataclass
class Clustering:
    topics: list[TopicResult]
    other: list[int]
    k: int
    chosen_automatically: bool
    silhouette: float | None
    assignment: np.ndarray = field(repr=False, default=None)  # topic index per input, -1 = other


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return x / norms


def features(embeddings: np.ndarray, docs: list[str]) -> np.ndarray:
    """The contribution's vector beside a latent-semantic (LSA) vector of the lemmas, each normalised.

    The encoder knows what words mean; the LSA part knows the vocabulary of this very process (street names,
    local terms) that a general model weighs lightly. Both unit length and equally weighted: no weight
    is tuned on any file (bench/README.md).
    """
    x = _normalise(np.asarray(embeddings, dtype=np.float32))
    n = len(x)
    if n < LSA_MIN_CONTRIBUTIONS or not any(docs):
        return x  # a few dozen texts give no stable word statistics: the vector alone
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        tfidf = TfidfVectorizer(min_df=2, sublinear_tf=True).fit_transform(docs)
    except ValueError:  # no word occurs twice
        return x
    dims = min(LSA_DIMENSIONS, tfidf.shape[1] - 1, n - 1)
    if dims < 2:
        return x
    lsa = _normalise(TruncatedSVD(dims, random_state=0).fit_transform(tfidf).astype(np.float32))
    return _normalise(np.hstack([x, LSA_WEIGHT * lsa]))


def _kmeans(x: np.ndarray, k: int, seed: int = 0, n_init: int = 3):
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=k, n_init=n_init, random_state=seed, max_iter=200)
    labels = model.fit_predict(x)
    return labels, _normalise(model.cluster_centers_)


def choose_k(x: np.ndarray, progress=None) -> tuple[int, float]:
    """The number of topics with the best cosine silhouette on a sample (ties go to more topics)."""
    from sklearn.metrics import silhouette_score

    n = len(x)
    upper = max(MIN_TOPICS, min(MAX_TOPICS, int(math.sqrt(n / 2)) + 2))
    rng = np.random.default_rng(0)
    sample = x if n <= SILHOUETTE_SAMPLE else x[rng.choice(n, SILHOUETTE_SAMPLE, replace=False)]
    best = (MIN_TOPICS, -1.0)
    candidates = list(range(MIN_TOPICS, upper + 1))
    for i, k in enumerate(candidates):
        if k >= len(sample):
            break
        labels, _ = _kmeans(sample, k, n_init=1)  # one start per candidate: the choice, not the final run
        score = float(silhouette_score(sample, labels, metric="cosine"))
        if score >= best[1] - 0.002:
            best = (k, max(score, best[1]))
        if progress:
            progress(i + 1, len(candidates))
    return best


def keywords_per_topic(docs: list[str], groups: list[list[int]], top: int = 8) -> list[list[str]]:
    """Class-based TF-IDF: words frequent in a topic and rare in the others (a word found in every
    topic, such as "Radweg" in a cycling dialogue, scores almost nothing)."""
    counts = [Counter(w for i in members for w in set(docs[i].split())) for members in groups]
    df = Counter()
    for c in counts:
        df.update(c.keys())
    total = len(groups)
    out = []
    for members, c in zip(groups, counts, strict=True):
        size = max(1, len(members))
        scored = sorted(((tf / size) * math.log((total + 1) / df[w]), w) for w, tf in c.items() if tf >= 2)
        out.append([w for _, w in reversed(scored[-top:])])
    return out


def label_from_keywords(words: list[str]) -> str:
    return " / ".join(w[:1].upper() + w[1:] for w in words[:3]) or "–"


def cluster(embeddings: np.ndarray, docs: list[str], *, k: int | None = None,
            anchors: dict | None = None, other_margin: float = 0.01, progress=None) -> Clustering:
    """Group contributions into topics.

    ``anchors``: {key: indexes of the contributions a person placed in that topic}; each continues.
    Runs on one thread: scikit-learn's OpenMP threads in k-means spin while they wait for a core, and on
    cores shared with the worker's other jobs two threads took twice the CPU time of one for the same
    result (bench/README.md).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _cluster(embeddings, docs, k=k, anchors=anchors, other_margin=other_margin, progress=progress)


def _cluster(embeddings, docs, *, k, anchors, other_margin, progress) -> Clustering:
    x = features(embeddings, docs)
    n = len(x)
    if n == 0:
        return Clustering([], [], 0, k is None, None, np.zeros(0, dtype=int))
    anchors = {key: idx for key, idx in (anchors or {}).items() if idx}
    silhouette = None
    automatic = k is None
    if k is None:
        if n < MIN_TOPICS * 3:
            k = max(1, min(n, 2))
        else:
            k, silhouette = choose_k(x, progress)
    k = max(1, min(k, n))
    labels, centres = _kmeans(x, k)
    # Anchored topics: their centres join the competition.
    anchor_keys = list(anchors)
    anchor_centres = (_normalise(np.stack([x[idx].mean(axis=0) for idx in anchors.values()]))
                      if anchors else np.zeros((0, x.shape[1]), dtype=np.float32))
    all_centres = np.vstack([anchor_centres, centres])
    all_sims = x @ all_centres.T
    a = len(anchor_keys)
    order = np.argsort(-all_sims, axis=1)
    first, second = order[:, 0], order[:, 1] if all_sims.shape[1] > 1 else order[:, 0]
    best_sim = all_sims[np.arange(n), first]
    margin = best_sim - all_sims[np.arange(n), second]
    assignment = first.copy()
    if all_sims.shape[1] > 1 and n >= 20:
        low = np.quantile(best_sim, OTHER_QUANTILE)
        undecided = (margin < other_margin) & (best_sim < low)
        assignment[undecided] = -1
    # Members a person placed stay where they were placed.
    for t, idx in enumerate(anchors.values()):
        assignment[idx] = t
    groups = [np.flatnonzero(assignment == t).tolist() for t in range(all_centres.shape[0])]
    keep = [t for t, g in enumerate(groups) if g or t < a]
    words = keywords_per_topic(docs, [groups[t] for t in keep])
    topics = []
    for t, kw in zip(keep, words, strict=True):
        members = groups[t]
        centre = all_centres[t]
        reps = sorted(members, key=lambda i: -float(x[i] @ centre))[:3]
        topics.append(TopicResult(members=members, keywords=kw, label=label_from_keywords(kw), representatives=reps,
                                  anchor=anchor_keys[t] if t < a else None, centroid=centre))
    remap = {t: i for i, t in enumerate(keep)}
    final = np.array([remap.get(int(t), -1) if t >= 0 else -1 for t in assignment], dtype=int)
    return Clustering(topics=topics, other=np.flatnonzero(final == -1).tolist(), k=k,
                      chosen_automatically=automatic, silhouette=silhouette, assignment=final)
