"""The frame-wise nets' names, defaults and parameter check, without torch.

The model registry and the configuration read these (importing the registry stays cheap);
the nets themselves are :mod:`hawkeye.models.framewise`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FRAME_WISE = "frame-wise"
ARCHITECTURES = ("mstcn", "bigru")
DEFAULTS: Mapping[str, Any] = {
    "hidden": 64,
    "stages": 4,  # mstcn
    "layers": 8,  # mstcn: dilated layers a stage; bigru: GRU layers
    "dropout": 0.3,
    "lr": 5e-3,
    "weight_decay": 1e-4,
    "max_epochs": 60,
    "class_weight": "balanced",  # balanced / median / none (hawkeye.segments.class_weights)
    "smoothing": 0.15,  # weight of the truncated-MSE smoothing loss (mstcn, MS-TCN's 0.15)
    "velocity": True,
    "acceleration": False,
    "centre": "frame",  # skeleton preprocessing (hawkeye.features.preprocess)
    "scale": "body",
    "view": "none",
    "smooth_window": 1,  # predict_segments: majority vote over this many frames
    "min_segment": 1,  # predict_segments: runs shorter than this merge into a neighbour
    "background": "background",
    "device": "cpu",
    "threads": None,  # torch threads while fitting/predicting; None: torch's
    "chunk": None,  # train on windows of this many frames (random offset each epoch)
    "batch_size": None,  # with chunk: windows a gradient step; None: all
}
# What differs by architecture (a GRU of 8 layers would be slow and no better).
ARCHITECTURE_DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    "mstcn": {},
    "bigru": {"layers": 2, "smoothing": 0.0, "chunk": 64, "batch_size": 16},
}
QUICK: Mapping[str, Any] = {"hidden": 8, "stages": 2, "layers": 2, "max_epochs": 2}

__all__ = [
    "ARCHITECTURES",
    "ARCHITECTURE_DEFAULTS",
    "DEFAULTS",
    "FRAME_WISE",
    "QUICK",
    "check_params",
]


def check_params(params: dict[str, Any]) -> None:
    """Unknown keys fail when the configuration is read (``classes`` fixes the class order)."""
    unknown = sorted(set(params) - set(DEFAULTS) - {"classes"})
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}; known: {sorted(DEFAULTS)}")
    from hawkeye.features.preprocess import check_params as check_preprocess

    check_preprocess(params)
