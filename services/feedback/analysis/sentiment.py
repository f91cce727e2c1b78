"""Sentiment suggestions: positive, negative or neutral per contribution.

No German sentiment model can be shipped here (none runs offline with a licence that allows it;
GermEval is for non-commercial research only). The suggestion therefore comes from a logistic
regression over the contributions' vectors (``services.feedback.embedding``), trained when the analysis
runs on
- the German seed sentences written for this project (``seeds_de``), and
- the sentiments the town's staff confirmed or corrected in earlier reviews, weighted higher,
so every correction improves the next run for that town. Fitting takes well under a second; the
seeds' embeddings ship beside the seeds (``seed_vectors.npz``) so no run spends the model on them.

Beside the vector the classifier reads the text's character n-grams (``NGRAM_WEIGHT``). Polar words
with negation (the German polarity lexicon of textblob-de) were tried as a second signal and left out:
in cross-validation on the seed sentences they did not add to the embedding. Over e5 vectors instead of
the contribution's one vector the seeds gave a somewhat better suggestion, at twenty times the import's
cost (bench/README.md).
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
# Character 3–5-grams of the text beside the vector: the vector knows what a text is about, the n-grams
# pick up the words of praise and complaint ("Frechheit", "danke", "leider") in any inflection. Their
# weight was chosen by cross-validation on the seed sentences (0, 0.5, 1, 1.5, 2, 3: 1 scored best).
NGRAM_WEIGHT = 1.0
# The n-grams read the opening of a text: scikit-learn cuts them in Python, and whole texts made them most
# of an analysis's CPU time (13 s of 27 for 10,000 Bonn contributions, bench/README.md).
NGRAM_CHARS = 400


@dataclass
class SentimentModel:
    classifier: object
    seeds: int
    town_examples: int
    ngrams: object = None  # the fitted character n-gram vectoriser, or None

    def features(self, embeddings: np.ndarray, texts: list[str]):
        x = unit(embeddings)
        if self.ngrams is None:
            return x
        from scipy import sparse

        grams = self.ngrams.transform([(t or "")[:NGRAM_CHARS] for t in texts])
        return sparse.hstack([sparse.csr_matrix(x), NGRAM_WEIGHT * grams]).tocsr()

    def predict(self, embeddings: np.ndarray, texts: list[str]) -> tuple[list[str], list[float]]:
        """Labels and confidences for the contributions' vectors and texts (title and text joined)."""
        if len(embeddings) == 0:
            return [], []
        proba = self.classifier.predict_proba(self.features(embeddings, texts))
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


def train(town_embeddings=None, town_labels=None, town_texts=None) -> SentimentModel:
    """A classifier from the seeds plus the town's confirmed sentiments (vectors, labels, texts)."""
    seeds, seed_labels = seed_embeddings()
    texts, _ = seed_texts()
    return train_on(seeds, list(seed_labels), texts, town_embeddings, town_labels, town_texts)


def train_on(seeds: np.ndarray, seed_labels: list[str], texts: list[str], town_embeddings=None, town_labels=None,
             town_texts=None, *, ngrams: bool = True) -> SentimentModel:
    """The classifier from the given examples (the benchmark compares encoders and features with it)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectors, y, w, all_texts = [seeds], list(seed_labels), [np.ones(len(seeds))], list(texts)
    extra = 0
    if town_embeddings is not None and len(town_embeddings):
        vectors.append(np.asarray(town_embeddings, dtype=np.float32))
        y.extend(town_labels)
        w.append(np.full(len(town_labels), TOWN_WEIGHT))
        all_texts.extend(town_texts)
        extra = len(town_labels)
    vectoriser = (TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
                  .fit([t[:NGRAM_CHARS] for t in all_texts]) if ngrams else None)
    model = SentimentModel(classifier=LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced"),
                           seeds=len(seeds), town_examples=extra, ngrams=vectoriser)
    model.classifier.fit(model.features(np.vstack(vectors), all_texts), y, sample_weight=np.concatenate(w))
    return model


if __name__ == "__main__":  # python -m services.feedback.analysis.sentiment (from platform/ on the path)
    print(write_seed_vectors())
