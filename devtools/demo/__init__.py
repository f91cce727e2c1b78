"""The demo county that ``make demo`` sets up: our own seed data, invented towns with valid keys."""
