"""Settings of the feedback service: module defaults, each overridable by an environment variable."""

from __future__ import annotations

from core import env

# Largest import file (bytes); XLSX are also checked for their unpacked size (zip bombs).
MAX_IMPORT_BYTES = env.get_int("FEEDBACK_MAX_IMPORT_BYTES", 20 * 1024 * 1024)
MAX_XLSX_UNPACKED_BYTES = env.get_int("FEEDBACK_MAX_XLSX_UNPACKED_BYTES", 200 * 1024 * 1024)
MAX_IMPORT_ROWS = env.get_int("FEEDBACK_MAX_IMPORT_ROWS", 50_000)
MAX_TEXT_CHARS = env.get_int("FEEDBACK_MAX_TEXT_CHARS", 10_000)
# Public submissions per client address and hour, and per town and hour.
SUBMISSIONS_PER_CLIENT = env.get_int("FEEDBACK_SUBMISSIONS_PER_CLIENT", 10)
SUBMISSIONS_PER_TOWN = env.get_int("FEEDBACK_SUBMISSIONS_PER_TOWN", 1000)
# A form sent back faster than this (seconds) was filled by a machine.
MIN_FORM_SECONDS = env.get_int("FEEDBACK_MIN_FORM_SECONDS", 3)
# The county's basemap (XYZ tile URL) and its attribution; empty: the map shows the points without tiles.
BASEMAP_URL = env.get_str("FEEDBACK_BASEMAP_URL", "")
BASEMAP_ATTRIBUTION = env.get_str("FEEDBACK_BASEMAP_ATTRIBUTION", "")
