"""A labelled anonymisation sample: road scenes composited from shippable images (see images/README.md).

Each scene is a 1280×720 road view with people (two portraits, scaled, flipped and lit differently)
and drawn German-style number plates on car bodies; the boxes of faces and plates are known.
Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

IMAGES = Path(__file__).resolve().parent / "images"
PEOPLE = (("person_astronaut.jpg", (71, 58, 160, 178)), ("person_camera.jpg", (62, 58, 118, 137)))
LETTERS = "ABCDEFGHKLMNPRSTUVWXZ"


@dataclass
class Scene:
    rgb: np.ndarray
    boxes: list[tuple[str, int, int, int, int]]  # kind, x1, y1, x2, y2


def _load(name: str) -> np.ndarray:
    return np.array(Image.open(IMAGES / name).convert("RGB"))


def _background(rng: random.Random, width: int, height: int) -> np.ndarray:
    road = _load("road_gravel.png")
    verge = _load("verge_grass.png")
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    horizon = int(height * rng.uniform(0.3, 0.45))
    canvas[:horizon] = cv2.resize(verge, (width, horizon)) * np.array([0.8, 1.0, 0.7])
    canvas[horizon:] = cv2.resize(road, (width, height - horizon)) * rng.uniform(0.6, 0.9)
    return canvas


def plate_image(rng: random.Random, width: int) -> np.ndarray:
    height = max(8, int(width / 4.7))
    plate = np.full((height, width, 3), 245, dtype=np.uint8)
    cv2.rectangle(plate, (0, 0), (width - 1, height - 1), (20, 20, 20), max(1, width // 60))
    cv2.rectangle(plate, (0, 0), (max(2, width // 12), height - 1), (30, 60, 170), -1)
    text = f"{rng.choice(['LAU', 'N', 'ER', 'FÜ'.replace('Ü', 'U')])}-{rng.choice(LETTERS)}{rng.choice(LETTERS)} " \
           f"{rng.randint(1, 9999)}"
    scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_DUPLEX, int(height * 0.62), max(1, width // 70))
    size, _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, max(1, width // 70))
    if size[0] > width * 0.86:
        scale *= width * 0.86 / size[0]
    cv2.putText(plate, text, (width // 10, int(height * 0.8)), cv2.FONT_HERSHEY_DUPLEX, scale, (15, 15, 15),
                max(1, width // 70), cv2.LINE_AA)
    return plate


def make_scene(rng: random.Random, width: int = 1280, height: int = 720) -> Scene:
    canvas = _background(rng, width, height)
    boxes = []
    occupied: list[tuple[int, int, int, int]] = []

    def free(x1, y1, x2, y2):
        return all(x2 < a or x1 > c or y2 < b or y1 > d for a, b, c, d in occupied)

    for _ in range(rng.randint(0, 2)):  # cars with plates
        plate_w = rng.randint(70, 220)
        car_w, car_h = int(plate_w * 3.2), int(plate_w * 1.6)
        for _attempt in range(20):
            x, y = rng.randint(0, width - car_w), rng.randint(int(height * 0.35), height - car_h)
            if free(x, y, x + car_w, y + car_h):
                break
        else:
            continue
        colour = [rng.randint(20, 200)] * 3
        cv2.rectangle(canvas, (x, y), (x + car_w, y + car_h), colour, -1)
        plate = plate_image(rng, plate_w)
        px, py = x + (car_w - plate_w) // 2, y + int(car_h * 0.55)
        canvas[py:py + plate.shape[0], px:px + plate_w] = plate
        boxes.append(("plate", px, py, px + plate_w, py + plate.shape[0]))
        occupied.append((x, y, x + car_w, y + car_h))
    for _ in range(rng.randint(1, 3)):  # people
        name, (fx1, fy1, fx2, fy2) = rng.choice(PEOPLE)
        person = _load(name)
        face_h = rng.randint(36, 170)
        scale = face_h / (fy2 - fy1)
        pw, ph = int(person.shape[1] * scale), int(person.shape[0] * scale)
        if pw >= width or ph >= height:
            continue
        person = cv2.resize(person, (pw, ph), interpolation=cv2.INTER_AREA)
        light = rng.uniform(0.6, 1.25)
        person = np.clip(person * light, 0, 255).astype(np.uint8)
        flip = rng.random() < 0.5
        if flip:
            person = person[:, ::-1]
            fx1, fx2 = person.shape[1] / scale - fx2, person.shape[1] / scale - fx1
        for _attempt in range(20):
            x, y = rng.randint(0, width - pw), rng.randint(0, height - ph)
            if free(x, y, x + pw, y + ph):
                break
        else:
            continue
        canvas[y:y + ph, x:x + pw] = person
        boxes.append(("face", int(x + fx1 * scale), int(y + fy1 * scale), int(x + fx2 * scale), int(y + fy2 * scale)))
        occupied.append((x, y, x + pw, y + ph))
    return Scene(canvas, boxes)


def make_sample(count: int = 40, seed: int = 2026, width: int = 1280, height: int = 720) -> list[Scene]:
    rng = random.Random(seed)
    return [make_scene(rng, width, height) for _ in range(count)]


def covered(box, regions, margin: float = 0.2, needed: float = 0.6) -> bool:
    """Whether the blurred regions (with the blur's margin) cover ``needed`` of the labelled box."""
    _kind, x1, y1, x2, y2 = box
    mask = np.zeros((y2 - y1, x2 - x1), dtype=bool)
    for r in regions:
        mx, my = (r.x2 - r.x1) * margin, (r.y2 - r.y1) * margin
        a, b = int(max(x1, r.x1 - mx)) - x1, int(max(y1, r.y1 - my)) - y1
        c, d = int(min(x2, r.x2 + mx)) - x1, int(min(y2, r.y2 + my)) - y1
        if c > a and d > b:
            mask[b:d, a:c] = True
    return mask.mean() >= needed


def recall(anonymiser, scenes) -> dict:
    found = {"face": [0, 0], "plate": [0, 0]}
    review = 0
    for scene in scenes:
        regions = anonymiser.detect(scene.rgb)
        review += any(not r.certain for r in regions)
        for box in scene.boxes:
            found[box[0]][1] += 1
            found[box[0]][0] += covered(box, regions)
    return {kind: (hit / total if total else float("nan"), hit, total) for kind, (hit, total) in found.items()} | {
        "review_share": review / max(1, len(scenes))}
