"""Signal helpers every feature family shares: gap filling, window sizes, sub-frame peaks."""

from __future__ import annotations

import numpy as np

from hawkeye.landmarks.sequence import LandmarkSequence


def interpolate_gaps(points: np.ndarray, presence: np.ndarray) -> np.ndarray:
    """Every frame kept: gaps interpolated linearly, ends held at the nearest detection."""
    if presence.all():
        return points
    idx = np.flatnonzero(presence)
    frames = np.arange(len(points))
    filled = points.copy()
    flat = filled.reshape(len(points), -1)
    for j in range(flat.shape[1]):
        flat[:, j] = np.interp(frames, idx, flat[idx, j])
    return filled


def detected_span_xy(seq: LandmarkSequence) -> np.ndarray:
    """x, y of every joint from the first to the last detected frame, inner gaps interpolated.

    Leading and trailing frames without a detection are dropped rather than
    held: a held hand would read as a pause the patient never made.
    """
    present = np.flatnonzero(seq.presence)
    first, last = present[0], present[-1]
    pts = seq.points[first : last + 1, :, :2].astype(np.float64)
    return interpolate_gaps(pts, seq.presence[first : last + 1])


def odd_window(n: int, minimum: int = 7) -> int:
    """A Savitzky-Golay window length: odd and at least ``minimum``."""
    n = max(n, minimum)
    return n if n % 2 else n + 1


def refine_peak_times(d: np.ndarray, peaks: np.ndarray) -> np.ndarray:
    """Peak positions in fractional frames (parabola through the peak and its neighbours).

    At 30 fps a 4 Hz tap lasts 7.5 frames; whole-frame peaks would report
    periods of 7 or 8 frames and bias frequency by up to 7 %.
    """
    pos = peaks.astype(float)
    inner = (peaks > 0) & (peaks < len(d) - 1)
    i = peaks[inner]
    left, mid, right = d[i - 1], d[i], d[i + 1]
    denom = left - 2 * mid + right
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.where(denom != 0, 0.5 * (left - right) / denom, 0.0)
    pos[inner] += np.clip(offset, -0.5, 0.5)
    return pos
