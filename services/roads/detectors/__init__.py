"""Damage detectors: anything that turns an (anonymised) road image into RDD damage boxes.

A county brings its own model: a YOLO-style ONNX file (YOLOv5 output ``[1, N, 5 + classes]`` or
YOLOv8 ``[1, 4 + classes, N]``) and a class map from the model's class indices to the RDD
classes, configured with ``ROADS_DAMAGE_MODEL`` and ``ROADS_DAMAGE_MODEL_CLASSES``. Vendors'
detections come in through the import instead (``services.roads.vendor``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Damage:
    damage_class: str  # D00, D10, D20, D40
    confidence: float
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in image pixels


class DamageDetector(Protocol):
    name: str

    def detect(self, rgb: np.ndarray) -> list[Damage]: ...


def parse_class_map(text: str) -> dict[int, str]:
    """``"0=D00,1=D10"`` -> {0: "D00", 1: "D10"}; classes a county's model has beyond RDD are left out."""
    from services.roads.models import DamageClass

    mapping = {}
    for part in text.split(","):
        if not part.strip():
            continue
        index, _sep, label = part.partition("=")
        label = label.strip().upper()
        if label not in DamageClass.values:
            raise ValueError(f"class map: {label!r} is no RDD class (D00, D10, D20, D40)")
        mapping[int(index)] = label
    if not mapping:
        raise ValueError("class map is empty")
    return mapping
