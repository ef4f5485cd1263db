"""Generic motion channels: the input of sequence models (LSTM, Transformer, TCN, ...).

Raw landmark coordinates say more about where the camera stood than about the
patient: the same movement is a different set of numbers when the person is
nearer, further left or filmed in another resolution. The channels here take
that away: positions relative to a root joint (hip midpoint for a pose, wrist
for a hand, centroid otherwise) in units of a body size (torso length, hand
size, or the joints' RMS spread; a layout declares its root and size joints in
:func:`hawkeye.landmarks.sequence.register_layout`), plus their first and second time
derivatives per second, so that slowness and jerkiness are explicit and do not
depend on the frame rate. Frames without a detection are filled by linear
interpolation so that the output stays aligned frame by frame with the
sequence (gaps before the first and after the last detection hold the nearest
detected pose).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import savgol_filter

from hawkeye.features.preprocess import Preprocess
from hawkeye.landmarks.sequence import LandmarkSequence

DERIVATIVE_S = 0.1  # Savitzky-Golay window of the derivatives (at least 5 frames)


def channel_names(velocity: bool = True, acceleration: bool = True) -> list[str]:
    """Names of the last axis of :func:`motion_channels`, in order."""
    names = ["x", "y", "z"]
    names += ["vx", "vy", "vz"] if velocity else []
    names += ["ax", "ay", "az"] if acceleration else []
    return names


def motion_channels(
    seq: LandmarkSequence,
    velocity: bool = True,
    acceleration: bool = True,
    centre: str = "frame",
    scale: str = "body",
    view: str = "none",
) -> np.ndarray:
    """float32 ``[frames, joints, 3 * k]``: positions, then velocities, then accelerations.

    Positions are normalised by :class:`hawkeye.features.preprocess.Preprocess`
    (``centre``, ``scale``, ``view``; its module note says what each does).
    ``centre="frame"`` subtracts each frame's own root position (posture only: a walker
    crossing the frame or a panning camera does not show); ``"recording"`` subtracts
    the root's median position, so whole-body movement (sway, tremor of the whole
    hand) stays in the channels. Derivatives are of the normalised positions, in body
    sizes per second (and per second squared).
    """
    pts = Preprocess(centre, scale, view).apply(seq)
    channels = [pts]
    if velocity:
        channels.append(_derivative(pts, seq.fps, 1))
    if acceleration:
        channels.append(_derivative(pts, seq.fps, 2))
    return np.concatenate(channels, axis=2).astype(np.float32)


def _derivative(x: np.ndarray, fps: float, order: int) -> np.ndarray:
    """d^order x / dt^order along frames: Savitzky-Golay, plain differences when too short."""
    window = max(round(DERIVATIVE_S * fps), 5)
    window += 1 - window % 2
    if len(x) > window:
        return savgol_filter(x, window, 2, deriv=order, delta=1.0 / fps, axis=0)
    out = x
    for _ in range(order):
        out = np.gradient(out, 1.0 / fps, axis=0) if len(out) > 1 else np.zeros_like(out)
    return out
