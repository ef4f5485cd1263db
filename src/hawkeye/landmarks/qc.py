"""Quality control of an extracted landmark sequence: is it good enough to score?

A model fed a video where the hand was found in a third of the frames, or
where landmarks jump from frame to frame, scores the tracker, not the
patient. These figures go into the manifest and MLflow, and gate quarantine.
"""

from __future__ import annotations

import numpy as np

from hawkeye.config import LandmarkConfig


def longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of True."""
    if not mask.any():
        return 0
    padded = np.concatenate([[0], mask.astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[::2]).max())


def scale(points: np.ndarray, presence: np.ndarray) -> float:
    """Typical size of the body part in the image, to make jitter dimensionless."""
    present = points[presence, :, :2]
    if present.size == 0:
        return float("nan")
    extent = present.max(axis=1) - present.min(axis=1)  # per-frame bounding box
    return float(np.median(np.linalg.norm(extent, axis=1))) or float("nan")


def jitter(points: np.ndarray, presence: np.ndarray) -> float:
    """Median frame-to-frame acceleration of the landmarks, in units of body-part size.

    Real motion is smooth at video rates; a large second difference where
    three consecutive frames are detected is tracker noise.
    """
    both = presence[:-2] & presence[1:-1] & presence[2:]
    if not both.any():
        return float("nan")
    xy = points[:, :, :2].astype(np.float64)
    second = xy[2:] - 2 * xy[1:-1] + xy[:-2]
    per_frame = np.linalg.norm(second, axis=2).mean(axis=1)[both]
    return float(np.median(per_frame) / scale(points, presence))


def quality(points: np.ndarray, presence: np.ndarray, fps: float) -> dict[str, float]:
    n = len(presence)
    return {
        "qc_frames": float(n),
        "qc_fps": float(fps),
        "qc_duration_s": n / fps if fps > 0 else float("nan"),
        "qc_detection_rate": float(presence.mean()) if n else 0.0,
        "qc_max_missing_s": longest_run(~presence) / fps if fps > 0 else float("nan"),
        "qc_jitter": jitter(points, presence) if n >= 3 else float("nan"),
    }


def rejection(qc: dict[str, float], cfg: LandmarkConfig) -> str | None:
    """Why a video fails quality control, or None when it passes."""
    if qc["qc_frames"] == 0:
        return "no frames could be decoded"
    declared = qc.get("qc_declared_frames", 0.0)
    if declared > 0 and qc["qc_frames"] < cfg.min_decoded_share * declared:
        return (
            f"truncated video: decoded {qc['qc_frames']:.0f} of the {declared:.0f} frames its "
            f"container declares ({qc['qc_frames'] / declared:.0%}; min_decoded_share "
            f"{cfg.min_decoded_share:.0%}): the file is cut short or damaged"
        )
    if qc["qc_detection_rate"] < cfg.min_detection_rate:
        return (
            f"{cfg.model} found in {qc['qc_detection_rate']:.0%} of frames "
            f"(min_detection_rate {cfg.min_detection_rate:.0%})"
        )
    if cfg.max_missing_run_s is not None and qc["qc_max_missing_s"] > cfg.max_missing_run_s:
        return (
            f"{cfg.model} missing for {qc['qc_max_missing_s']:.1f} s in a row "
            f"(max_missing_run_s {cfg.max_missing_run_s})"
        )
    return None
