"""Sentiment suggestions: positive, negative or neutral per contribution.

No German sentiment model can be shipped here (none runs offline with a licence that allows it;
GermEval is for non-commercial research only). The suggestion therefore comes from a logistic
regression over the e5 embeddings, trained when the analysis runs on
- the German seed sentences written for this project (``seeds_de``), and
- the sentiments the town's staff confirmed or corrected in earlier reviews, weighted higher,
so every correction improves the next run for that town. Fitting takes well under a second.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from services.feedback.analysis import seeds_de

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
        proba = self.classifier.predict_proba(np.asarray(embeddings, dtype=np.float32))
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


@functools.cache
def seed_embeddings() -> tuple[np.ndarray, tuple[str, ...]]:
    from services.feedback.embedding import embed_passages

    texts = seeds_de.POSITIVE + seeds_de.NEGATIVE + seeds_de.NEUTRAL
    labels = ((POSITIVE,) * len(seeds_de.POSITIVE) + (NEGATIVE,) * len(seeds_de.NEGATIVE)
              + (NEUTRAL,) * len(seeds_de.NEUTRAL))
    return np.asarray(embed_passages(texts), dtype=np.float32), labels


def train(town_embeddings=None, town_labels=None) -> SentimentModel:
    """A classifier from the seeds plus the town's confirmed sentiments (embeddings, labels)."""
    from sklearn.linear_model import LogisticRegression

    seeds, seed_labels = seed_embeddings()
    x, y, w = [seeds], list(seed_labels), [np.ones(len(seeds))]
    extra = 0
    if town_embeddings is not None and len(town_embeddings):
        x.append(np.asarray(town_embeddings, dtype=np.float32))
        y.extend(town_labels)
        w.append(np.full(len(town_labels), TOWN_WEIGHT))
        extra = len(town_labels)
    classifier = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    classifier.fit(np.vstack(x), y, sample_weight=np.concatenate(w))
    return SentimentModel(classifier=classifier, seeds=len(seeds), town_examples=extra)
