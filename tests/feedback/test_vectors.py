"""The contribution's one vector (USE multilingual, bundled): near-duplicates over it, the parallel embedding."""

import numpy as np

from services.feedback import embedding
from services.feedback.analysis import duplicates, text


def test_near_copies_are_grouped_and_different_requests_are_not():
    texts = ["Wir fordern Tempo 30 vor allen Schulen und Kitas in unserer Stadt!",
             "Hallo liebe Stadt, wir fordern Tempo 30 vor allen Schulen und Kitas in unserer Stadt! Viele Grüße",
             "Wir fordern Tempo 30 vor allen Schluen und Kitas in unserer Stadt!",
             "Wir fordern mehr Fahrradständer am Bahnhof und an den Schulen.",
             "Der Spielplatz im Stadtpark braucht neue Geräte."]
    vectors = embedding.embed_topic_vectors(texts)
    found = duplicates.groups(vectors, [text.normalised(t) for t in texts])
    assert found == [[0, 1, 2]]


def test_batches_keep_the_input_order():
    texts = [f"Beitrag {i}: {'Der Radweg ist zu schmal. ' * (1 + i % 7)}" for i in range(embedding.TOPIC_BATCH + 3)]
    together = embedding.embed_topic_vectors(texts)
    alone = np.vstack([embedding.embed_topic_vectors([t]) for t in texts[:3] + texts[-3:]])
    assert together.shape == (len(texts), embedding.TOPIC_DIM)
    assert np.allclose(np.vstack([together[:3], together[-3:]]), alone, atol=1e-4)
