"""Sentiment suggestions: positive, negative or neutral per contribution.

No German sentiment model can be shipped here (none runs offline with a licence that allows it;
GermEval is for non-commercial research only). The suggestion therefore comes from a logistic
regression over the contributions' vectors (``services.feedback.embedding``), trained when the analysis
runs on
- the German seed sentences written for this project (``seeds_de``), and
- the sentiments the town's staff confirmed or corrected in earlier reviews, weighted higher,
so every correction improves the next run for that town. Fitting takes well under a second; the
seeds' embeddings ship beside the seeds (``seed_vectors.npz``) so no run spends the model on them.

Polar words with negation (the German polarity lexicon of textblob-de) were tried as a second signal
and left out: in cross-validation on the seed sentences they did not add to the embedding. Over e5
vectors instead of the contribution's one vector the seeds gave a somewhat better suggestion, at twenty
times the import's cost (bench/README.md).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.feedback.analysis import seeds_de

logger = logging.getLogger(__name__)
SEED_VECTORS = Path(__file__).with_name("seed_vectors.npz")

POSITIVE, NEGATIVE, NEUTRAL = "positive", "negative", "neutral"
LABELS = (POSITIVE, NEGATIVE, NEUTRAL)
TOWN_WEIGHT = 3.0
# The seeds are balanced while real contributions are mostly neutral or critical: a polar label
# needs this much probability, otherwise the suggestion is neutral.
POLAR_THRESHOLD = 0.5


@dataclass
class SentimentModel:
    classifier: object
    seeds: int
    town_examples: int

    def predict(self, embeddings: np.ndarray) -> tuple[list[str], list[float]]:
        if len(embeddings) == 0:
            return [], []
        proba = self.classifier.predict_proba(unit(embeddings))
        classes = list(self.classifier.classes_)
        labels, confidence = [], []
        for row in proba:
            best = int(np.argmax(row))
            label = classes[best]
            if label != NEUTRAL and row[best] < POLAR_THRESHOLD:
                label = NEUTRAL
            labels.append(label)
            confidence.append(float(row[classes.index(label)]))
        return labels, confidence


def unit(embeddings: np.ndarray) -> np.ndarray:
    x = np.asarray(embeddings, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def seed_texts() -> tuple[list[str], tuple[str, ...]]:
    texts = seeds_de.POSITIVE + seeds_de.NEGATIVE + seeds_de.NEUTRAL
    labels = ((POSITIVE,) * len(seeds_de.POSITIVE) + (NEGATIVE,) * len(seeds_de.NEGATIVE)
              + (NEUTRAL,) * len(seeds_de.NEUTRAL))
    return texts, labels


def seed_key(texts: list[str]) -> str:
    from services.feedback import embedding

    return hashlib.sha256("\x1e".join([f"use-m3|{embedding.TOPIC_CHARS}", *texts]).encode()).hexdigest()


def write_seed_vectors() -> Path:
    """Embed the seed sentences and store them beside this module (after the seeds changed)."""
    from services.feedback.embedding import embed_topic_vectors

    texts, _ = seed_texts()
    vectors = np.asarray(embed_topic_vectors(texts), dtype=np.float32)
    np.savez_compressed(SEED_VECTORS, key=np.array(seed_key(texts)), vectors=vectors.astype(np.float16))
    return SEED_VECTORS


@functools.cache
def seed_embeddings() -> tuple[np.ndarray, tuple[str, ...]]:
    texts, labels = seed_texts()
    if SEED_VECTORS.exists():
        with np.load(SEED_VECTORS) as stored:
            if str(stored["key"]) == seed_key(texts):
                return stored["vectors"].astype(np.float32), labels
    logger.warning("The stored seed vectors do not match the seed sentences; embedding them in this process "
                   "(run: python -m services.feedback.analysis.sentiment).")
    from services.feedback.embedding import embed_topic_vectors

    return np.asarray(embed_topic_vectors(texts), dtype=np.float32), labels


def train(town_embeddings=None, town_labels=None) -> SentimentModel:
    """A classifier from the seeds plus the town's confirmed sentiments (embeddings, labels)."""
    seeds, seed_labels = seed_embeddings()
    return train_on(seeds, list(seed_labels), town_embeddings, town_labels)


def train_on(seeds: np.ndarray, seed_labels: list[str], town_embeddings=None, town_labels=None) -> SentimentModel:
    """The classifier from the given example vectors (the benchmark compares encoders with it)."""
    from sklearn.linear_model import LogisticRegression

    x, y, w = [unit(seeds)], list(seed_labels), [np.ones(len(seeds))]
    extra = 0
    if town_embeddings is not None and len(town_embeddings):
        x.append(unit(town_embeddings))
        y.extend(town_labels)
        w.append(np.full(len(town_labels), TOWN_WEIGHT))
        extra = len(town_labels)
    classifier = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    classifier.fit(np.vstack(x), y, sample_weight=np.concatenate(w))
    return SentimentModel(classifier=classifier, seeds=len(seeds), town_examples=extra)


if __name__ == "__main__":  # python -m services.feedback.analysis.sentiment (from platform/ on the path)
    print(write_seed_vectors())
