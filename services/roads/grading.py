"""Condition grades 1.0 (very good) to 5.0 (very poor) per segment, from damage per area.

Method (documented in docs/roads.md): every damage that is not rejected covers an area on the
1 m raster that ZTV ZEB-StB uses for surface damage (a crack marks every square metre it crosses):
extent across the road (its ``width_m``, or the class default) times extent along it (class
default), each at least 1 m. Confirmed damage counts fully, a suggestion by its confidence.
Alligator cracks weigh 1.5, potholes 3 (structural damage). The weighted damaged share of the
segment's area (length × width) is mapped piecewise linearly onto the grade scale, with the
ZTV ZEB-StB / E EMI 2012 marks at their places: target value 1.5, warning value 3.5,
threshold value 4.5.
"""

from __future__ import annotations

import numpy as np

METHOD = "damage-share-v1"
TARGET_VALUE = 1.5
WARNING_VALUE = 3.5
THRESHOLD_VALUE = 4.5

# Damaged share of the area (percent) -> grade.
SHARE_ANCHORS_PERCENT = (0.0, 2.0, 15.0, 30.0, 45.0)
GRADE_ANCHORS = (1.0, TARGET_VALUE, WARNING_VALUE, THRESHOLD_VALUE, 5.0)

CLASSES = ("D00", "D10", "D20", "D40")
# Per class: extent across (m) when not given, extent along (m), weight.
ACROSS_M = {"D00": 1.0, "D10": 2.5, "D20": 2.0, "D40": 1.0}
ALONG_M = {"D00": 2.0, "D10": 1.0, "D20": 2.0, "D40": 1.0}
WEIGHT = {"D00": 1.0, "D10": 1.0, "D20": 1.5, "D40": 3.0}


def grade_for_share(share) -> np.ndarray:
    """Grade for a damaged share of the area (0..1); vectorised."""
    return np.round(np.interp(np.asarray(share, dtype=float) * 100.0, SHARE_ANCHORS_PERCENT, GRADE_ANCHORS), 2)


def damage_area(classes, width_m) -> np.ndarray:
    """Weighted damaged area (m²) of each detection."""
    classes = np.asarray(classes)
    width = np.asarray(width_m, dtype=float)
    across_default = np.vectorize(ACROSS_M.get, otypes=[float])(classes)
    across = np.where(np.isnan(width), across_default, np.maximum(width, 1.0))
    along = np.vectorize(ALONG_M.get, otypes=[float])(classes)
    weight = np.vectorize(WEIGHT.get, otypes=[float])(classes)
    return across * along * weight


def band(grade: float | None) -> str:
    """The ZEB band a grade falls in, for colours and lists."""
    if grade is None:
        return "none"
    if grade < TARGET_VALUE:
        return "good"
    if grade < WARNING_VALUE:
        return "fair"
    if grade < THRESHOLD_VALUE:
        return "warning"
    return "threshold"
