"""A YOLO-style ONNX damage model on CPU (onnxruntime)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from services.roads.detectors import Damage


class ModelError(ValueError):
    pass


class OnnxDamageDetector:
    name = "onnx"

    def __init__(self, path: str | Path, class_map: dict[int, str], threshold: float = 0.25, threads: int = 1):
        import onnxruntime

        path = Path(path)
        if not path.is_file():
            raise ModelError(f"damage model not found: {path}")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        try:
            self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types for bad files
            raise ModelError(f"damage model cannot be loaded: {error}") from None
        model_input = self.session.get_inputs()[0]
        self.input_name = model_input.name
        shape = model_input.shape
        if len(shape) != 4:
            raise ModelError(f"damage model input must be [batch, 3, height, width], not {shape}")
        self.height = shape[2] if isinstance(shape[2], int) else 640
        self.width = shape[3] if isinstance(shape[3], int) else 640
        self.class_map = class_map
        self.threshold = threshold

    def detect(self, rgb: np.ndarray) -> list[Damage]:
        h, w = rgb.shape[:2]
        # Letterbox: keep the aspect ratio, pad with grey as YOLO training does.
        scale = min(self.width / w, self.height / h)
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        canvas = np.full((self.height, self.width, 3), 114, dtype=np.uint8)
        top, left = (self.height - nh) // 2, (self.width - nw) // 2
        canvas[top:top + nh, left:left + nw] = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_LINEAR)
        blob = canvas.transpose(2, 0, 1)[None].astype(np.float32) / 255.0
        output = np.asarray(self.session.run(None, {self.input_name: blob})[0])
        rows, has_objectness = self._rows(output)
        found = []
        boxes, scores, labels = [], [], []
        for row in rows:
            cx, cy, bw, bh = row[:4]
            classes, objectness = (row[5:], row[4]) if has_objectness else (row[4:], 1.0)
            index = int(np.argmax(classes))
            score = float(objectness * classes[index])
            if score < self.threshold or index not in self.class_map:
                continue
            x1, y1 = (cx - bw / 2 - left) / scale, (cy - bh / 2 - top) / scale
            x2, y2 = (cx + bw / 2 - left) / scale, (cy + bh / 2 - top) / scale
            boxes.append([float(x1), float(y1), float(x2 - x1), float(y2 - y1)])
            scores.append(score)
            labels.append(index)
        for i in np.asarray(cv2.dnn.NMSBoxes(boxes, scores, self.threshold, 0.45)).reshape(-1):
            x, y, bw, bh = boxes[i]
            found.append(Damage(self.class_map[labels[i]], round(scores[i], 4),
                                (max(0.0, x), max(0.0, y), min(float(w), x + bw), min(float(h), y + bh))))
        return found

    @staticmethod
    def _rows(output: np.ndarray) -> tuple[np.ndarray, bool]:
        """Candidate rows and whether they carry an objectness score.

        YOLOv8 exports ``[1, 4 + classes, N]`` (boxes along the last axis, no objectness);
        YOLOv5 exports ``[1, N, 5 + classes]``. N is in the thousands, so the orientation tells them apart.
        """
        if output.ndim == 3:
            output = output[0]
        if output.ndim != 2 or min(output.shape) < 5:
            raise ModelError(f"unexpected model output shape {output.shape}")
        if output.shape[0] < output.shape[1]:
            return output.T, False
        return output, True
