from tests.conftest import committed_town, make_town, town_a, town_b  # noqa: F401  (shared fixtures)
