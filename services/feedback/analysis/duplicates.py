"""Near-duplicates and campaign-style copies.

Two contributions are near-duplicates when their normalised texts are equal or their vectors
are almost the same (cosine similarity at or above the threshold). The threshold suits the
contribution's vector (USE multilingual): on the seed sentences and copies of them with a greeting, a
typo or a word less, no two different sentences reached 0.77 (bench/README.md). Groups form by transitivity;
a group of ``CAMPAIGN_SIZE`` or more is a campaign (one text sent by many people), which counts
as many voices but one argument. The earliest contribution of a group is its original.
"""

from __future__ import annotations

import numpy as np

THRESHOLD = 0.85
CAMPAIGN_SIZE = 3
BLOCK = 1024


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def groups(embeddings: np.ndarray, normalised_texts: list[str], *, threshold: float = THRESHOLD) -> list[list[int]]:
    """Groups (two or more indexes, input order) of near-duplicate contributions."""
    n = len(normalised_texts)
    parent = list(range(n))

    def union(a: int, b: int) -> None:
        ra, rb = _find(parent, a), _find(parent, b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    seen: dict[str, int] = {}
    for i, text in enumerate(normalised_texts):
        if not text:
            continue
        if text in seen:
            union(seen[text], i)
        else:
            seen[text] = i
    if n > 1:
        from threadpoolctl import threadpool_limits

        x = np.asarray(embeddings, dtype=np.float32)
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
        # One BLAS thread: a second one waits for a core shared with the worker's other jobs.
        with threadpool_limits(limits=1):
            for start in range(0, n, BLOCK):
                # Each pair once: a block against itself and the rows after it (half the products).
                sims = x[start:start + BLOCK] @ x[start:].T
                rows, cols = np.nonzero(sims >= threshold)
                for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                    if c > r:
                        union(start + r, start + c)
    out: dict[int, list[int]] = {}
    for i in range(n):
        out.setdefault(_find(parent, i), []).append(i)
    return [g for g in out.values() if len(g) > 1]
