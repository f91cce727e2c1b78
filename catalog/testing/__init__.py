"""Apps installed only by the test settings. Never part of production or the demo."""
