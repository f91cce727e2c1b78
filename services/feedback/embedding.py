"""Contributions' passage embeddings: the platform's multilingual-e5-small (``core.embedding``).

Each contribution is embedded once, when it is imported or submitted; analysis runs reuse the
stored vectors. Set OPENBLAS_NUM_THREADS=1 in processes that embed: numpy's BLAS threads and the
engine's OpenMP threads fight over the cores otherwise.
"""

from __future__ import annotations

import numpy as np

from core import embedding

DIM = 384
# The opening of a contribution says what it is about; the engine's time grows with the tokens.
PASSAGE_CHARS = 400
BATCH = 16


def embed_passages(texts: list[str]) -> list[np.ndarray]:
    """One vector per text, in input order."""
    return embedding.embed_passages(texts, batch=BATCH, chars=PASSAGE_CHARS)
