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

from dataclasses import dataclass

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
    leg, arm, torso = _body_lengths(pts)
    if not min(leg, arm, torso) > 1e-6:
        return f

    f |= _steps(pts, leg, seq.fps)
    f |= _arm_swing(pts, arm, seq.fps)
    f |= _trunk_sway(pts, torso, seq.fps)
    return f


@dataclass(frozen=True)
class GaitSignal:
    """The per-frame series and step events :func:`gait_features` measures, for plotting.

    Times are seconds from the recording's start; the series cover the detected span
    (first to last detected frame, from ``first_frame``). ``separation``: fore-aft ankle
    separation in leg lengths (positive: left foot ahead). ``step_frames`` index it; a
    step's time is refined between frames. ``step_intervals_s`` and ``stride_amplitude``
    (leg lengths) belong to each step from the second; ``walking`` marks the intervals
    counted as steps (the rest are freezes). ``arm_left`` / ``arm_right``: each wrist's
    position relative to its shoulder along its swing, in arm lengths, centred. Empty
    arrays and a ``reason`` where the recording cannot support them.
    """

    first_frame: int
    times_s: np.ndarray
    separation: np.ndarray
    step_frames: np.ndarray
    step_times_s: np.ndarray
    step_intervals_s: np.ndarray
    stride_amplitude: np.ndarray
    walking: np.ndarray
    arm_left: np.ndarray
    arm_right: np.ndarray
    reason: str = ""

    @property
    def n_steps(self) -> int:
        return int(self.step_frames.size)


def gait_signal(seq: LandmarkSequence) -> GaitSignal:
    """Step events, per-step series and arm swing, as :func:`gait_features` finds them."""
    if seq.layout != LAYOUT:
        raise LandmarkError(f"gait features need {LAYOUT} landmarks, got {seq.layout}")
    first = int(np.flatnonzero(seq.presence)[0])
    pts = detected_span_xy(seq)
    reason, sep, frames, at, arms = _series(pts, seq.fps)
    at = at + first / seq.fps
    intervals = np.diff(at)
    walking = intervals <= _FREEZE_FACTOR * np.median(intervals) if intervals.size else intervals
    return GaitSignal(
        first_frame=first,
        times_s=(first + np.arange(len(pts))) / seq.fps,
        separation=sep,
        step_frames=frames,
        step_times_s=at,
        step_intervals_s=intervals,
        stride_amplitude=np.abs(np.diff(sep[frames])) / 2 if frames.size else np.empty(0),
        walking=walking.astype(bool),
        arm_left=arms[0],
        arm_right=arms[1],
        reason=reason,
    )


def _series(
    pts: np.ndarray, fps: float
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """:func:`gait_signal`'s series: (reason, separation, step frames, step times, arms)."""
    empty, no_steps = np.empty(0), np.empty(0, dtype=np.intp)
    still = (empty, empty)
    if len(pts) < _MIN_SECONDS * fps:
        reason = f"under {_MIN_SECONDS:g} s between the first and last detection"
        return reason, empty, no_steps, empty, still
    leg, arm, torso = _body_lengths(pts)
    if not min(leg, arm, torso) > 1e-6:
        return "no body size (a limb or the torso of zero length)", empty, no_steps, empty, still
    along = [_wrist_along(pts, side, fps) for side in ("left", "right")]
    arms = ((along[0] - np.median(along[0])) / arm, (along[1] - np.median(along[1])) / arm)
    sep = _separation(pts, leg, fps)
    events = _step_events(sep, fps)
    if events is None:
        return "the feet do not alternate (no walking rhythm)", sep, no_steps, empty, arms
    frames, at = events
    reason = "" if len(frames) >= _MIN_STEPS else f"fewer than {_MIN_STEPS} steps found"
    return reason, sep, frames, at, arms


def _body_lengths(pts: np.ndarray) -> tuple[float, float, float]:
    """Median leg, arm and torso (shoulder midpoint to hip midpoint) lengths."""
    leg = _length(pts, ("hip", "knee", "ankle"))
    arm = _length(pts, ("shoulder", "elbow", "wrist"))
    hips = pts[:, [POSE["left_hip"], POSE["right_hip"]]].mean(axis=1)
    shoulders = pts[:, [POSE["left_shoulder"], POSE["right_shoulder"]]].mean(axis=1)
    return leg, arm, float(np.median(np.linalg.norm(shoulders - hips, axis=1)))


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


def _separation(pts: np.ndarray, leg: float, fps: float) -> np.ndarray:
    """Fore-aft ankle separation (left minus right along the walking axis), in leg lengths."""
    diff = pts[:, POSE["left_ankle"]] - pts[:, POSE["right_ankle"]]
    return _smooth(diff @ _main_axis(diff) / leg, fps)


def _step_events(sep: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray] | None:
    """Step frames and their sub-frame times (s), in time order; None when the feet do not
    alternate (separation range below the minimum)."""
    spread = float(np.percentile(sep, 95) - np.percentile(sep, 5))
    if spread < _MIN_SEPARATION:
        return None
    opts = {
        "prominence": max(0.3 * spread, 0.5 * _MIN_SEPARATION),
        "distance": max(1, int(0.25 * fps)),
    }
    ahead, _ = find_peaks(sep, **opts)  # left foot furthest ahead
    behind, _ = find_peaks(-sep, **opts)  # right foot furthest ahead
    peaks = np.concatenate([ahead, behind])
    frac = np.concatenate([refine_peak_times(sep, ahead), refine_peak_times(-sep, behind)])
    order = np.argsort(frac)
    return peaks[order], frac[order] / fps


def _steps(pts: np.ndarray, leg: float, fps: float) -> dict[str, float]:
    """Step timing, stride amplitude and freezing from the fore-aft ankle separation."""
    sep = _separation(pts, leg, fps)
    events = _step_events(sep, fps)
    if events is None:
        return {}
    peaks, times = events
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


def _wrist_along(pts: np.ndarray, side: str, fps: float) -> np.ndarray:
    """The wrist's position relative to its shoulder along its main axis of motion."""
    rel = _smooth(pts[:, POSE[f"{side}_wrist"]] - pts[:, POSE[f"{side}_shoulder"]], fps)
    return rel @ _main_axis(rel)


def _arm_swing(pts: np.ndarray, arm: float, fps: float) -> dict[str, float]:
    """Fore-aft wrist excursion relative to the shoulder, per side, and its asymmetry."""
    swing = {}
    for side in ("left", "right"):
        along = _wrist_along(pts, side, fps)
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
