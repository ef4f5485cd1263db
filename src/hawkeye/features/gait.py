"""Gait kinematics (MDS-UPDRS 3.10) from a MediaPipe pose sequence.

Written for a side view (the walker crosses the frame, the camera may pan):
every measure is taken relative to the body (ankles against each other,
wrists against their shoulder, shoulders against the hips) so that walking
progression and camera panning cancel, and is normalised by a body length so
that it does not depend on distance to the camera. Steps are found on the
fore-aft separation of the ankles, projected on its axis of largest variance
(the walking direction in the image), so a tilted camera does no harm.

Definitions (every column starts with ``gait_``):

- steps: the extremes of the ankle separation, one each time a foot lands
  ahead of the other (the feet are furthest apart at heel strike);
  ``gait_n_steps`` counts them.
- ``gait_step_time_*``: intervals between consecutive steps while walking
  (intervals longer than twice the median are freezes, not steps), in s,
  with ``describe``; ``gait_step_time_cv`` = stdev / mean.
- ``gait_cadence``: 60 / median step time, steps per minute.
- ``gait_stride_amplitude_*``: per step, half the change in ankle separation
  since the previous step, i.e. how far each ankle travels fore-aft relative
  to the other foot, in leg lengths (hip-knee-ankle), with ``describe``.
- ``gait_arm_swing_left/right``: 5th-95th percentile range of the wrist's
  position relative to its shoulder along its main axis of motion, in arm
  lengths (shoulder-elbow-wrist, both arms' mean); ``_mean`` of the two and
  ``_asymmetry`` = |L - R| / max(L, R) (0 symmetric, 1 one arm still).
- ``gait_trunk_sway_horizontal/vertical``: std of the shoulder midpoint
  relative to the hip midpoint along the image axes, in torso lengths: the
  trunk rocking over the pelvis. In a side view horizontal is fore-aft sway
  (in a frontal view it would be lateral sway).
- freezing, time with no stepping: a gap between steps (or between a step and
  the start or end of the recording) longer than max(1 s, 2 median step
  times). ``gait_freeze_count``, ``gait_freeze_time_s`` (total gap time beyond
  one normal step), ``gait_freeze_fraction`` (of the recording) and
  ``gait_freeze_max_s``.

Frames without a detection are interpolated the way the tapping features do it
(leading and trailing ones dropped). Input too short (< 2 s between the first and
last detection), degenerate (no body size) or without a walking rhythm (fewer than
three steps) gives NaN for what cannot be measured; every call returns the same
columns in the same order.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks, savgol_filter

from hawkeye.features.signal import detected_span_xy, odd_window, refine_peak_times
from hawkeye.features.stats import describe
from hawkeye.landmarks.sequence import LandmarkError, LandmarkSequence

LAYOUT = "mediapipe_pose_33"
FEATURE_VERSION = 1  # bump when a definition changes, so caches and models notice

# MediaPipe pose landmark indices that features refer to by name.
POSE = {
    "left_shoulder": 11,
    "right_shoulder": 12,
    "left_elbow": 13,
    "right_elbow": 14,
    "left_wrist": 15,
    "right_wrist": 16,
    "left_hip": 23,
    "right_hip": 24,
    "left_knee": 25,
    "right_knee": 26,
    "left_ankle": 27,
    "right_ankle": 28,
}

_MIN_SECONDS = 2.0  # shorter than this holds too few steps to say anything
_MIN_STEPS = 3
_MIN_SEPARATION = 0.05  # leg lengths: below, the feet do not alternate (standing still)
_FREEZE_FACTOR, _FREEZE_MIN_S = 2.0, 1.0
_STATS = ("median", "quartile_range", "mean", "min", "max", "stdev")


def feature_names() -> list[str]:
    """The columns :func:`gait_features` returns, in order."""
    return [
        "gait_n_steps",
        "gait_cadence",
        *(f"gait_step_time_{k}" for k in _STATS),
        "gait_step_time_cv",
        *(f"gait_stride_amplitude_{k}" for k in _STATS),
        "gait_arm_swing_left",
        "gait_arm_swing_right",
        "gait_arm_swing_mean",
        "gait_arm_swing_asymmetry",
        "gait_trunk_sway_horizontal",
        "gait_trunk_sway_vertical",
        "gait_freeze_count",
        "gait_freeze_time_s",
        "gait_freeze_fraction",
        "gait_freeze_max_s",
    ]


def gait_features(seq: LandmarkSequence) -> dict[str, float]:
    """One feature row for one recording; NaN for whatever the input cannot support."""
    if seq.layout != LAYOUT:
        raise LandmarkError(f"gait features need {LAYOUT} landmarks, got {seq.layout}")
    f = dict.fromkeys(feature_names(), float("nan"))
    pts = detected_span_xy(seq)  # x, y; first to last detected frame, gaps interpolated
    if len(pts) < _MIN_SECONDS * seq.fps:
        return f
    leg = _length(pts, ("hip", "knee", "ankle"))
    arm = _length(pts, ("shoulder", "elbow", "wrist"))
    hips = pts[:, [POSE["left_hip"], POSE["right_hip"]]].mean(axis=1)
    shoulders = pts[:, [POSE["left_shoulder"], POSE["right_shoulder"]]].mean(axis=1)
    torso = float(np.median(np.linalg.norm(shoulders - hips, axis=1)))
    if not min(leg, arm, torso) > 1e-6:
        return f

    f |= _steps(pts, leg, seq.fps)
    f |= _arm_swing(pts, arm, seq.fps)
    f |= _trunk_sway(pts, torso, seq.fps)
    return f


def _length(points: np.ndarray, chain: tuple[str, str, str]) -> float:
    """Median length of a three-joint limb chain, mean of the left and right limb."""
    sides = []
    for side in ("left", "right"):
        a, b, c = (points[:, POSE[f"{side}_{joint}"]] for joint in chain)
        sides.append(np.median(np.linalg.norm(a - b, axis=1) + np.linalg.norm(b - c, axis=1)))
    return float(np.mean(sides))


def _main_axis(xy: np.ndarray) -> np.ndarray:
    """Unit vector along which a [T, 2] series varies most."""
    centred = xy - xy.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    return vectors[:, -1]


def _smooth(x: np.ndarray, fps: float, seconds: float = 0.2) -> np.ndarray:
    window = odd_window(round(seconds * fps))
    return savgol_filter(x, window, 2, axis=0) if len(x) > window else x


def _steps(pts: np.ndarray, leg: float, fps: float) -> dict[str, float]:
    """Step timing, stride amplitude and freezing from the fore-aft ankle separation."""
    diff = pts[:, POSE["left_ankle"]] - pts[:, POSE["right_ankle"]]
    sep = _smooth(diff @ _main_axis(diff) / leg, fps)
    spread = float(np.percentile(sep, 95) - np.percentile(sep, 5))
    if spread < _MIN_SEPARATION:
        return {}
    opts = {
        "prominence": max(0.3 * spread, 0.5 * _MIN_SEPARATION),
        "distance": max(1, int(0.25 * fps)),
    }
    ahead, _ = find_peaks(sep, **opts)  # left foot furthest ahead
    behind, _ = find_peaks(-sep, **opts)  # right foot furthest ahead
    peaks = np.concatenate([ahead, behind])
    frac = np.concatenate([refine_peak_times(sep, ahead), refine_peak_times(-sep, behind)])
    order = np.argsort(frac)
    peaks, times = peaks[order], frac[order] / fps
    if len(peaks) < _MIN_STEPS:
        return {"gait_n_steps": float(len(peaks))}

    intervals = np.diff(times)
    median_step = float(np.median(intervals))
    walking = intervals[intervals <= _FREEZE_FACTOR * median_step]
    f = {"gait_n_steps": float(len(peaks)), "gait_cadence": 60.0 / float(np.median(walking))}
    f |= describe("gait_step_time", walking)
    f["gait_step_time_cv"] = f["gait_step_time_stdev"] / f["gait_step_time_mean"]
    f |= describe("gait_stride_amplitude", np.abs(np.diff(sep[peaks])) / 2)

    # Freezing: gaps without a step, the recording's start and end included.
    duration = len(pts) / fps
    gaps = np.diff(np.concatenate([[0.0], times, [duration]]))
    freezes = gaps[gaps > max(_FREEZE_MIN_S, _FREEZE_FACTOR * median_step)] - median_step
    f["gait_freeze_count"] = float(freezes.size)
    f["gait_freeze_time_s"] = float(freezes.sum())
    f["gait_freeze_fraction"] = float(freezes.sum() / duration)
    f["gait_freeze_max_s"] = float(freezes.max()) if freezes.size else 0.0
    return f


def _arm_swing(pts: np.ndarray, arm: float, fps: float) -> dict[str, float]:
    """Fore-aft wrist excursion relative to the shoulder, per side, and its asymmetry."""
    swing = {}
    for side in ("left", "right"):
        rel = _smooth(pts[:, POSE[f"{side}_wrist"]] - pts[:, POSE[f"{side}_shoulder"]], fps)
        along = rel @ _main_axis(rel)
        swing[side] = float(np.percentile(along, 95) - np.percentile(along, 5)) / arm
    left, right = swing["left"], swing["right"]
    larger = max(left, right)
    return {
        "gait_arm_swing_left": left,
        "gait_arm_swing_right": right,
        "gait_arm_swing_mean": (left + right) / 2,
        "gait_arm_swing_asymmetry": abs(left - right) / larger if larger > 1e-9 else np.nan,
    }


def _trunk_sway(pts: np.ndarray, torso: float, fps: float) -> dict[str, float]:
    """Shoulder midpoint about the hip midpoint, std per image axis, in torso lengths."""
    shoulders = pts[:, [POSE["left_shoulder"], POSE["right_shoulder"]]].mean(axis=1)
    hips = pts[:, [POSE["left_hip"], POSE["right_hip"]]].mean(axis=1)
    rel = _smooth(shoulders - hips, fps) / torso
    return {
        "gait_trunk_sway_horizontal": float(rel[:, 0].std()),
        "gait_trunk_sway_vertical": float(rel[:, 1].std()),
    }
