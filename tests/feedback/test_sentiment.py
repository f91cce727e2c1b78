"""The sentiment suggestion's parts that need no database: the shipped seed vectors, learning from decisions."""

import numpy as np

from services.feedback import embedding
from services.feedback.analysis import sentiment


def test_shipped_seed_vectors_belong_to_the_seed_sentences():
    """Edited seeds need new vectors (python -m services.feedback.analysis.sentiment, from platform/)."""
    texts, labels = sentiment.seed_texts()
    with np.load(sentiment.SEED_VECTORS) as stored:
        assert str(stored["key"]) == sentiment.seed_key(texts)
        assert stored["vectors"].shape == (len(texts), embedding.TOPIC_DIM)
    assert len(set(labels)) == 3


def test_the_model_follows_the_towns_decisions():
    """A town whose staff call a kind of text negative gets that suggestion for similar texts."""
    seeds, _ = sentiment.seed_embeddings()
    texts, labels = sentiment.seed_texts()
    plain = sentiment.train()
    neutral = [i for i, label in enumerate(labels) if label == sentiment.NEUTRAL][:40]
    chosen = [texts[i] for i in neutral]
    decided = sentiment.train(seeds[neutral], [sentiment.NEGATIVE] * len(neutral), chosen)
    before, _ = plain.predict(seeds[neutral], chosen)
    after, _ = decided.predict(seeds[neutral], chosen)
    assert after.count(sentiment.NEGATIVE) > before.count(sentiment.NEGATIVE)
    assert decided.town_examples == len(neutral) and plain.town_examples == 0
