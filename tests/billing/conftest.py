from tests.catalog.conftest import echo_service, make_offering, offering, subscribe  # noqa: F401  (shared fixtures)
