"""The sentiment suggestion's parts that need no database: the lexicon signal and the shipped seed vectors."""

import numpy as np

from services.feedback.analysis import lexicon, sentiment


def _signal(text: str) -> tuple[float, float]:
    values = dict(zip(lexicon.FEATURES, lexicon.features(text), strict=True))
    return values["positive"], values["negative"]


def test_polar_words_count_with_negation_and_signs():
    assert _signal("Der neue Radweg ist wirklich super.")[0] > 0 == _signal("Der neue Radweg ist wirklich super.")[1]
    assert _signal("Die Ampelschaltung ist schlecht.")[1] > 0
    # Negated within the clause: the polarity turns ("nicht schlecht" is praise, "nicht gut" a complaint).
    assert _signal("Das ist nicht schlecht.")[0] > 0 and _signal("Das ist nicht schlecht.")[1] == 0
    assert _signal("Das finde ich keine gute Lösung.")[1] > 0
    # A negation in another clause does not reach the word.
    assert _signal("Nicht heute, aber der Park ist schön.")[0] > 0
    assert _signal("Die Sitzung beginnt um 18 Uhr.") == (0, 0)
    signs = dict(zip(lexicon.FEATURES, lexicon.features("Bus weg :( !!!"), strict=True))
    assert signs["negative signs"] == 1 and signs["exclamation"] == 1


def test_shipped_seed_vectors_belong_to_the_seed_sentences():
    """Edited seeds need new vectors (python -m services.feedback.analysis.sentiment, from platform/)."""
    texts, labels = sentiment.seed_texts()
    with np.load(sentiment.SEED_VECTORS) as stored:
        assert str(stored["key"]) == sentiment.seed_key(texts)
        assert stored["vectors"].shape == (len(texts), 384)
    assert len(set(labels)) == 3


def test_the_model_follows_the_towns_decisions():
    """A town whose staff call a kind of text negative gets that suggestion for similar texts."""
    seeds, _ = sentiment.seed_embeddings()
    texts, labels = sentiment.seed_texts()
    plain = sentiment.train()
    neutral = [i for i, label in enumerate(labels) if label == sentiment.NEUTRAL][:40]
    decided = sentiment.train(seeds[neutral], [sentiment.NEGATIVE] * len(neutral), [texts[i] for i in neutral])
    before, _ = plain.predict(seeds[neutral], [texts[i] for i in neutral])
    after, _ = decided.predict(seeds[neutral], [texts[i] for i in neutral])
    assert after.count(sentiment.NEGATIVE) > before.count(sentiment.NEGATIVE)
    assert decided.town_examples == len(neutral) and plain.town_examples == 0
