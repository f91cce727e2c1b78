"""A tiny YOLO-style ONNX model built by the tests: fixed detections whatever the image (onnx.helper)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SIZE = 64
# Rows in the model's 64×64 input: cx, cy, w, h, objectness, scores of classes 0..3 (D00, D10, D20, D40).
ROWS = [
    [32, 40, 20, 10, 0.9, 0.05, 0.05, 0.10, 0.95],  # pothole, score 0.855
    [10, 10, 8, 4, 0.8, 0.10, 0.90, 0.05, 0.05],  # transverse crack, 0.72
    [50, 50, 6, 6, 0.1, 0.90, 0.05, 0.05, 0.05],  # too unsure: 0.09
]


def build(path: Path, layout: str = "yolov5", candidates: int = 16) -> Path:
    table = np.zeros((candidates, 9), dtype=np.float32)
    table[: len(ROWS)] = ROWS
    if layout == "yolov8":
        # no objectness; the class scores already include it
        table = np.concatenate([table[:, :4], table[:, 5:] * table[:, 4:5]], axis=1).T  # [8, N]
    constant = table[None]
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["table", "nothing"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes, "tiny-rdd",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(constant.shape))],
        initializer=[numpy_helper.from_array(constant, "table"),
                     numpy_helper.from_array(np.zeros((), dtype=np.float32), "zero")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path
