"""PARK's finger-tapping features (MDS-UPDRS 3.4), computed from a MediaPipe hand sequence.

Why. The public PARK table (Islam et al., npj Digit. Med. 6:156, 2023) is the only large
labelled finger-tapping set. A model trained on it can score a new video only when that
video's row is computed with PARK's own definitions, quirks included, so this module
reproduces the public feature extraction of PARK (``feature_extraction.py`` of
ROC-HCI/finger-tapping-severity, MIT licence) from one :class:`LandmarkSequence`. The code
is written anew; the behaviour is PARK's, checked value by value against the reference.
Units: angles in degrees, times in seconds, speeds in degrees per second, the wrist in
wrist-to-thumb-CMC lengths per second; amplitude slopes are per frame, frequency slopes
per tap.

Signal (per frame; MediaPipe indices wrist 0, thumb CMC 1, thumb tip 4, index tip 8).

- Landmarks go to pixels as ``int(x * width)``, ``int(y * height)`` (truncation), so the
  frame size is required: the same normalised landmarks give another angle in another
  aspect ratio. ``D`` is the angle between wrist->thumb tip and wrist->index tip (cosine
  capped at 1). ``W`` is the wrist's pixel position divided by the wrist-thumb CMC pixel
  distance (1 when that is 0). Frames without a hand, or with a zero-length vector, have
  ``D = -1`` and ``W = (-1, -1)``.
- Denoise: a cubic spline through the detected angles (pandas ``interpolate(method=
  "polynomial", order=3)``; negative values and extrapolated ends count as missing).
  Frames are visited in order and a missing frame takes the spline's value when at most
  3 of its window are missing. PARK's window is ``D[i-3:i-1] + [-1] + D[i+1:i+3]``
  (two frames before, skipping the previous one), padded with -1 to three values near
  the ends; for frame 0 the "before" part is PARK's slice ``D[0:-1]``, i.e. every frame
  but the last. Values filled earlier in the pass count as detected for later windows,
  so an interior gap of any length is filled where the spline is >= 0; a gap splits the
  recording only where the spline goes negative. Frame 1 and the last frame are never
  filled.
- The longest run of detected frames is kept (runs of one frame do not count, the first
  of equally long runs wins); the wrist track is cut the same way and may hold (-1, -1).
- Frame time = the recording's duration / its total frame count (not the kept run's).

Taps. Peaks of ``D`` at least 0.15 s apart (``int(0.15 / frame time)`` frames); a second
pass keeps those at least ``int(floor(p80 / 2))`` high, p80 being the 80th percentile of
the middle half of the first pass's peaks; a peak is kept after the first only when ``D``
dips below 10 degrees between it and the previous first-pass peak. PARK runs the same
search on ``180 - D`` ("bottoms"); the result is unused, but it must succeed.

Variants. ``*_denoised``: the kept run with all its peaks. ``*_trimmed``: the run from the
second to the second-to-last peak with the inner peaks (``num_peaks_trimmed =
num_peaks_denoised - 2``). ``wrist_mvmnt_*`` use the trimmed wrist track only.

Features. Stats are (median, quartile_range = scipy IQR, mean, min, max, stdev = ddof 0).

- ``wrist_mvmnt_{x,y,dist}_*``: stats of |dx|, |dy| and the step length per frame time;
  a step touching a missing wrist counts as 0.
- ``aperiodicity``: entropy (natural log) of the FFT power spectrum scaled to sum 1 (NaN
  when a bin is exactly 0, as in PARK).
- ``periodEntropy`` = ``period_entropy``: histogram entropy of the periods (bins of width
  2/49 s from 0 up to 3 s, PARK's ``arange(0, 2 + 1, 2/49)``) over log 50;
  ``amplitude_entropy``: the same with bins of 90/17 degrees on 0..90, over log 18.
- ``periodVarianceNorm``: var(periods) / max(periods).
- Holds: runs of frames with |speed| <= 50 deg/s that a faster frame ends (a run still
  open at the end is not counted). ``numInterruptions``: runs with frames x frame time >=
  0.2 s; ``numFreeze``: >= 0.3 s; ``maxFreezeDuration``: the longest such run in seconds.
- ``period_*``: stats of peak-to-peak times; ``frequency_*``: stats of 1 / period;
  ``frequency_lr_{fitness_r2,slope}``: least-squares line of 1 / period against the period
  index (scikit-learn's LinearRegression and r2_score semantics: R² 1 or 0 for a
  constant target, NaN below two samples); ``frequency_fit_min_degree``: the first
  polynomial degree from 1 whose ``np.polyfit`` reaches R² >= 0.9, at most 10 (10 for a
  perfectly steady rhythm: polyfit misses the constant by rounding, and R² is then 0).
- ``amplitude_*``: stats of ``D`` at the peaks. ``amplitude_decrement_{fitness_r2,slope}``:
  the line of -amplitude against the peak's frame index (positive slope: taps shrink);
  ``end_to_mean``: mean - last amplitude; ``fit_min_degree``: as above, amplitude against
  peak index; ``last_to_first_half``: with ``k = round(n / 2)`` (banker's rounding), the
  mean of the first ``k + 1`` amplitudes minus the mean of the rest (so first minus last,
  despite the name).
- ``num_peaks``; ``num_{interruptions,freeze}_norm``: those counts / ``num_peaks``.
- ``speed_*``, ``acceleration_*``: stats of |first| and |second| differences of ``D`` per
  frame time.

NaN rules (PARK raises where Hawkeye writes NaN; nothing here raises on a signal):

- The spline fails (some frames missing and 1-3 detected): the whole row is NaN.
- Denoised-signal features (aperiodicity, holds, speed, acceleration ``_denoised``) need
  only the kept run: NaN when it is empty (aperiodicity), has < 2 frames (speed) or < 3
  (acceleration). They are computed even when no taps are found.
- Every other feature needs PARK's tap search to succeed and keep >= 2 peaks: the
  minimum distance is >= 1 frame (frame time <= 0.15 s), the first pass finds >= 3 peaks
  in ``D`` and >= 3 in ``180 - D``, and two peaks survive. Otherwise they are all NaN.
- With the peaks found, each feature is NaN when its own input is too short: stats on an
  empty series (wrist steps, periods, frequencies, trimmed amplitudes, speeds);
  ``periodVarianceNorm`` with no period; the entropies with no value in range;
  ``frequency_lr`` with no period (R² alone is NaN with one); ``*_fit_min_degree`` with
  no point or only x = 0 (one period); ``amplitude_decrement_*`` with < 2 peaks;
  ``last_to_first_half`` when its second part is empty (< 4 peaks);
  ``num_*_norm_trimmed`` when there are no trimmed peaks.

One deviation: an exactly reversed thumb and index (cosine just below -1 after rounding)
reads 180 degrees, where PARK's ``math.acos`` stops the whole extraction.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg
from scipy.signal import find_peaks
from scipy.stats import iqr

from hawkeye.landmarks.sequence import LandmarkError, LandmarkSequence

FEATURE_VERSION = 1  # bump when a definition changes

LAYOUT = "mediapipe_hand_21"
_WRIST, _THUMB_CMC, _THUMB_TIP, _INDEX_TIP = 0, 1, 4, 8
_MISSING = -1.0  # PARK's NOT_FOUND, in the angle and in the wrist track

_WINDOW = 3  # denoise: frames looked at on each side ...
_MAX_MISSING = 3  # ... and how many of the window may be missing for a fill
_MIN_PERIOD_S = 0.15  # minimum peak-to-peak time
_DIP_MAX_DEG = 10.0  # a tap must close below this between two peaks
_HOLD_SPEED = 50.0  # deg/s: slower is a hold (interruption and freeze alike)
_INTERRUPTION_S = 0.20
_FREEZE_S = 0.30
_FIT_R2 = 0.90  # fit_min_degree: first degree reaching this R²
_FIT_MAX_DEGREE = 10
_LSTSQ_COND = 1e-6  # scikit-learn's LinearRegression passes its tol as lstsq's cond

_STATS = ("median", "quartile_range", "mean", "min", "max", "stdev")
_VARIANTS = ("denoised", "trimmed")
_DECREMENT = ("fitness_r2", "slope", "end_to_mean", "fit_min_degree", "last_to_first_half")


def _feature_names() -> tuple[str, ...]:
    """The row's columns, in the order PARK's get_final_features writes them."""
    both = _VARIANTS
    names = [f"wrist_mvmnt_{axis}_{s}" for axis in ("x", "y", "dist") for s in _STATS]
    for family in (
        "aperiodicity",
        "periodEntropy",
        "periodVarianceNorm",
        "numInterruptions",
        "numFreeze",
        "maxFreezeDuration",
    ):
        names += [f"{family}_{v}" for v in both]
    names += [f"period_{s}_{v}" for v in both for s in _STATS]
    names += [f"period_entropy_{v}" for v in both]
    names += [f"frequency_{s}_{v}" for v in both for s in _STATS]
    names += [f"frequency_lr_{k}_{v}" for v in both for k in ("fitness_r2", "slope")]
    names += [f"frequency_fit_min_degree_{v}" for v in both]
    for v in both:
        names += [f"amplitude_{s}_{v}" for s in (*_STATS, "entropy")]
    names += [f"amplitude_decrement_{k}_{v}" for v in both for k in _DECREMENT]
    names += ["num_peaks_trimmed", "num_peaks_denoised"]
    names += [f"num_{k}_norm_{v}" for v in both for k in ("interruptions", "freeze")]
    names += [f"{q}_{s}_{v}" for q in ("speed", "acceleration") for v in both for s in _STATS]
    return tuple(names)


FEATURE_NAMES = _feature_names()


def _frame_size(seq: LandmarkSequence) -> tuple[int, int]:
    """The frame size PARK's pixel angle needs; LandmarkError for another layout or none."""
    if seq.layout != LAYOUT:
        raise LandmarkError(
            f"PARK's finger-tapping features need {LAYOUT} landmarks, got {seq.layout}"
        )
    if seq.frame_size is None:
        raise LandmarkError(
            "PARK's finger-tapping features are angles in pixel space and need the video's "
            "frame size (width, height); give width and height (annotation columns or the "
            "landmark file's own) for this recording"
        )
    return seq.frame_size


def park_features(seq: LandmarkSequence) -> dict[str, float]:
    """PARK's feature row for one recording of the hand that taps (NaN where undefined)."""
    row = dict.fromkeys(FEATURE_NAMES, math.nan)
    angle, wrist = _angle_and_wrist(seq.points, seq.presence, *_frame_size(seq))
    denoised = _denoise(angle)
    if denoised is None:
        return row
    frame_s = seq.duration_s / seq.n_frames
    run = _longest_detected_run(denoised)
    signal, wrist = denoised[run], wrist[run]
    row.update(_signal_features(signal, frame_s, "denoised"))

    peaks = _tap_peaks(signal, frame_s)
    if peaks is not None and peaks.size >= 2:
        span = slice(peaks[1], peaks[-2] + 1)  # empty with two peaks, as in PARK
        trimmed, trimmed_peaks = signal[span], peaks[1:-1] - peaks[1]
        row.update(_wrist_features(wrist[span], frame_s))
        row.update(_signal_features(trimmed, frame_s, "trimmed"))
        row.update(_peak_features(signal, peaks, frame_s, "denoised"))
        row.update(_peak_features(trimmed, trimmed_peaks, frame_s, "trimmed"))
        for variant, n_peaks in (("denoised", peaks.size), ("trimmed", trimmed_peaks.size)):
            row[f"num_peaks_{variant}"] = n_peaks
            for count, name in (("numInterruptions", "interruptions"), ("numFreeze", "freeze")):
                row[f"num_{name}_norm_{variant}"] = (
                    row[f"{count}_{variant}"] / n_peaks if n_peaks else math.nan
                )
    return {name: float(row[name]) for name in FEATURE_NAMES}


@dataclass(frozen=True)
class ParkSignal:
    """The angle signal :func:`park_features` measures and the taps it counts, for plotting.

    ``times_s``, ``angle_deg``: the denoised angle over the kept run (seconds from the
    recording's start, PARK's frame time). ``peaks``: indices into it of the counted taps
    (empty when the tap search failed or kept fewer than two, where the tap features are
    NaN). ``amplitudes``: the angle at each tap; ``periods``: seconds between taps.
    ``first_frame``: the kept run's first frame. ``recording_angle_deg``: the raw angle of
    every frame of the recording, NaN where there is none.
    """

    times_s: np.ndarray
    angle_deg: np.ndarray
    peaks: np.ndarray
    amplitudes: np.ndarray
    periods: np.ndarray
    first_frame: int
    frame_s: float
    recording_angle_deg: np.ndarray

    @property
    def n_taps(self) -> int:
        return int(self.peaks.size)


def park_signal(seq: LandmarkSequence) -> ParkSignal:
    """The kept run of PARK's angle and its taps, exactly as :func:`park_features` finds them."""
    angle, _ = _angle_and_wrist(seq.points, seq.presence, *_frame_size(seq))
    frame_s = seq.duration_s / seq.n_frames
    denoised = _denoise(angle)
    run = slice(0, 0) if denoised is None else _longest_detected_run(denoised)
    signal = np.empty(0) if denoised is None else denoised[run]
    peaks = _tap_peaks(signal, frame_s) if signal.size else None
    if peaks is None or peaks.size < 2:
        peaks = np.empty(0, dtype=np.intp)
    first = int(run.start or 0)
    return ParkSignal(
        times_s=(first + np.arange(signal.size)) * frame_s,
        angle_deg=signal,
        peaks=peaks,
        amplitudes=signal[peaks],
        periods=np.diff(peaks) * frame_s,
        first_frame=first,
        frame_s=frame_s,
        recording_angle_deg=np.where(angle == _MISSING, np.nan, angle),
    )


# --- the angle signal -------------------------------------------------------------------


def _angle_and_wrist(
    points: np.ndarray, presence: np.ndarray, width: int, height: int
) -> tuple[np.ndarray, np.ndarray]:
    """PARK's ``D`` (degrees, -1 missing) and ``W`` ([frames, 2], (-1, -1) missing)."""
    n = points.shape[0]
    angle = np.full(n, _MISSING)
    wrist = np.full((n, 2), _MISSING)
    rows = np.flatnonzero(presence)
    # float64 first: a float32 product can round up to the next integer before int().
    xy = points[rows][:, [_WRIST, _THUMB_TIP, _INDEX_TIP, _THUMB_CMC], :2].astype(np.float64)
    pix = np.trunc(xy * np.array([width, height], dtype=np.float64))
    w, thumb, index, cmc = (pix[:, k] for k in range(4))
    to_thumb, to_index = thumb - w, index - w
    len_thumb = np.sqrt((to_thumb**2).sum(axis=1))
    len_index = np.sqrt((to_index**2).sum(axis=1))
    ok = (len_thumb > 0) & (len_index > 0)
    rows, w, cmc = rows[ok], w[ok], cmc[ok]
    cosine = (to_thumb[ok] * to_index[ok]).sum(axis=1) / (len_thumb[ok] * len_index[ok])
    cosine = np.clip(cosine, -1.0, 1.0)
    # math.acos, not np.arccos: numpy's SIMD arccos may differ from libm in the last bit.
    acos = np.fromiter(map(math.acos, cosine), dtype=np.float64, count=cosine.size)
    angle[rows] = acos * 180 / math.pi
    scale = np.sqrt(((w - cmc) ** 2).sum(axis=1))
    wrist[rows] = w / np.where(scale == 0, 1.0, scale)[:, None]
    return angle, wrist


def _denoise(angle: np.ndarray) -> np.ndarray | None:
    """PARK's ``denoise``: fill short gaps from a cubic spline; None when the spline fails."""
    missing = angle == _MISSING
    try:
        spline = (
            pd.Series(np.where(missing, np.nan, angle))
            .interpolate(method="polynomial", order=3)
            .to_numpy(dtype=np.float64, copy=True)
        )
    except ValueError:  # fewer than 4 detected frames: PARK stops here
        return None
    spline[spline < 0] = _MISSING  # NaN (unfillable ends) compares False and stays NaN
    out = angle.copy()
    n = out.size
    # Order matters: a frame filled here counts as detected in the next frames' windows.
    for i in np.flatnonzero(missing):
        if i >= _WINDOW:
            before = out[i - _WINDOW : i - 1]  # two frames; PARK's slice skips frame i - 1
            pad = 0
        else:
            before = out[0 : i - 1]  # i == 0: out[0:-1], every frame but the last
            pad = max(0, _WINDOW - before.size)
        if i < n - _WINDOW:
            after = out[i + 1 : i + _WINDOW]
        else:
            after = out[i + 1 :]
            pad += _WINDOW - after.size
        n_missing = pad + 1 + np.count_nonzero(before == _MISSING)
        n_missing += np.count_nonzero(after == _MISSING)
        if n_missing <= _MAX_MISSING:
            out[i] = _MISSING if np.isnan(spline[i]) else spline[i]
    return out


def _longest_detected_run(angle: np.ndarray) -> slice:
    """The first longest run of detected frames of length >= 2 (PARK counts a run from its
    second frame); an empty slice when there is none."""
    detected = np.concatenate(([0], (angle != _MISSING).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(detected))
    starts, stops = edges[::2], edges[1::2]
    lengths = stops - starts
    if not lengths.size or lengths.max() < 2:
        return slice(0, 0)
    k = int(np.argmax(lengths))
    return slice(int(starts[k]), int(stops[k]))


# --- taps -------------------------------------------------------------------------------


def _height_gated_peaks(signal: np.ndarray, distance: int) -> np.ndarray | None:
    """PARK's ``custom_peaks``; None where it fails (fewer than 3 first-pass peaks)."""
    peaks, _ = find_peaks(signal, distance=distance)
    n = peaks.size
    middle = signal[peaks[(n - 1) // 4 : 3 * (n - 1) // 4]]
    if not middle.size:  # np.percentile of nothing raises in PARK
        return None
    height = np.floor(np.percentile(middle, 80) / 2)
    peaks, _ = find_peaks(signal, distance=distance, height=int(height))
    return peaks


def _tap_peaks(signal: np.ndarray, frame_s: float) -> np.ndarray | None:
    """PARK's ``peak_detection``; None where it fails."""
    distance = int(_MIN_PERIOD_S / frame_s)
    if distance < 1:  # find_peaks refuses a distance below one frame
        return None
    peaks = _height_gated_peaks(signal, distance)
    if peaks is None or not peaks.size or _height_gated_peaks(180 - signal, distance) is None:
        return None
    # Minimum of the signal from each peak up to (not including) the next one.
    dips = np.minimum.reduceat(signal, peaks)[:-1]
    return peaks[np.concatenate(([True], dips < _DIP_MAX_DEG))]


# --- features ---------------------------------------------------------------------------


def _stats(values: np.ndarray, prefix: str, suffix: str = "") -> dict[str, float]:
    """PARK's ``get_stats``; all NaN for an empty series (statistics.median raises).

    np.median equals statistics.median here: the middle value, or (a + b) / 2.
    """
    values = np.asarray(values, dtype=np.float64)
    if not values.size:
        stats = dict.fromkeys(_STATS, math.nan)
    else:
        stats = {
            "median": np.median(values),
            "quartile_range": iqr(values),
            "mean": np.mean(values),
            "min": np.min(values),
            "max": np.max(values),
            "stdev": np.std(values),
        }
    return {f"{prefix}_{k}{suffix}": float(v) for k, v in stats.items()}


def _histogram_entropy(values: np.ndarray, low: float, high: float, n_buckets: int) -> float:
    """PARK's ``period_entropy`` / ``angular_amplitude_entropy`` (edges run to high + 1)."""
    step = (high - low) / (n_buckets - 1)
    counts = np.histogram(values, np.arange(low, high + 1, step))[0]
    if not counts.sum():
        return math.nan  # PARK: 0 / 0
    p = counts / counts.sum()
    p[p == 0] = 1
    return float(-(p * np.log(p)).sum() / np.log(n_buckets))


def _aperiodicity(signal: np.ndarray) -> float:
    """Entropy of the normalised FFT power spectrum; NaN if a bin is 0 or no signal."""
    if not signal.size:
        return math.nan
    power = np.square(np.abs(np.fft.fft(signal)))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = power / power.sum()
        return float(-(p * np.log(p)).sum())


def _slow_runs(speed: np.ndarray) -> np.ndarray:
    """Frame counts of the runs of |speed| <= 50 deg/s ended by a faster frame (0 included)."""
    fast = np.flatnonzero(~(np.abs(speed) <= _HOLD_SPEED))
    return np.diff(fast, prepend=-1) - 1


def _signal_features(signal: np.ndarray, frame_s: float, variant: str) -> dict[str, float]:
    """Aperiodicity, holds, speed and acceleration of one variant's angle signal."""
    speed = np.diff(signal) / frame_s
    acceleration = np.diff(speed) / frame_s
    runs = _slow_runs(speed)
    return {
        f"aperiodicity_{variant}": _aperiodicity(signal),
        f"numInterruptions_{variant}": int(np.count_nonzero(runs * frame_s >= _INTERRUPTION_S)),
        f"numFreeze_{variant}": int(np.count_nonzero(runs * frame_s >= _FREEZE_S)),
        f"maxFreezeDuration_{variant}": int(runs.max(initial=0)) * frame_s,
        **_stats(np.abs(speed), "speed", f"_{variant}"),
        **_stats(np.abs(acceleration), "acceleration", f"_{variant}"),
    }


def _wrist_features(track: np.ndarray, frame_s: float) -> dict[str, float]:
    """Per-frame wrist movement (x, y, distance) along the trimmed span, stats of |.|."""
    x, y = track[:, 0], track[:, 1]
    dx, dy = np.diff(x), np.diff(y)
    unknown = (x[1:] == _MISSING) | (x[:-1] == _MISSING)  # PARK tests x only
    moves = {
        "x": dx / frame_s,
        "y": dy / frame_s,
        "dist": np.sqrt(dx**2 + dy**2) / frame_s,
    }
    row: dict[str, float] = {}
    for axis, move in moves.items():
        row.update(_stats(np.abs(np.where(unknown, 0.0, move)), f"wrist_mvmnt_{axis}"))
    return row


def _r2(y: np.ndarray, predicted: np.ndarray) -> float:
    """sklearn.metrics.r2_score (force_finite): NaN below 2 samples, 1 or 0 for constant y."""
    if y.size < 2:
        return math.nan
    y, predicted = y.reshape(-1, 1), predicted.reshape(-1, 1)  # as sklearn sums them
    numerator = float(np.sum((y - predicted) ** 2, axis=0)[0])
    denominator = float(np.sum((y - np.mean(y, axis=0)) ** 2, axis=0)[0])
    if denominator == 0:
        return 1.0 if numerator == 0 else 0.0
    return 1 - numerator / denominator


def _linear_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(R², slope) of scikit-learn's LinearRegression, step by step (centred lstsq)."""
    if not y.size:
        return math.nan, math.nan  # LinearRegression refuses an empty series
    design = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    y = np.asarray(y, dtype=np.float64)
    x_mean, y_mean = np.mean(design, axis=0), np.mean(y, axis=0)
    coef = linalg.lstsq(design - x_mean, y - y_mean, cond=_LSTSQ_COND)[0]
    intercept = y_mean - x_mean @ coef
    return _r2(y, design @ coef + intercept), float(coef[0])


def _fit_min_degree(x: np.ndarray, y: np.ndarray) -> float:
    """PARK's ``degree_for_good_fit``: first np.polyfit degree with R² >= 0.9, at most 10."""
    x = np.asarray(x, dtype=np.float64)
    if not x.size or not np.any(x):  # polyfit raises on no point, and on x == 0 only
        return math.nan
    for degree in range(1, _FIT_MAX_DEGREE + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # RankWarning for degrees >= points
            try:
                coefficients = np.polyfit(x, y, degree)
            except np.linalg.LinAlgError:
                return math.nan
        # NaN (one point) is not below the threshold, so it stops the search, as in PARK.
        if not _r2(y, np.poly1d(coefficients)(x)) < _FIT_R2:
            return degree
    return _FIT_MAX_DEGREE


def _amplitude_decrement(peaks: np.ndarray, amplitudes: np.ndarray) -> dict[str, float]:
    """PARK's ``amplitude_decrement`` (needs two peaks, as PARK asserts)."""
    n = amplitudes.size
    if n < 2:
        return dict.fromkeys(_DECREMENT, math.nan)
    r2, slope = _linear_fit(peaks, -amplitudes)
    half = round(n / 2)  # banker's rounding, as Python's round
    second = amplitudes[half + 1 :]
    return {
        "fitness_r2": r2,
        "slope": slope,
        "end_to_mean": float(np.mean(amplitudes) - amplitudes[-1]),
        "fit_min_degree": _fit_min_degree(peaks, amplitudes),
        "last_to_first_half": (
            float(np.mean(amplitudes[: half + 1]) - np.mean(second)) if second.size else math.nan
        ),
    }


def _peak_features(
    signal: np.ndarray, peaks: np.ndarray, frame_s: float, variant: str
) -> dict[str, float]:
    """Rhythm, period, frequency and amplitude features of one variant."""
    periods = np.diff(peaks) * frame_s
    frequency = 1.0 / periods
    amplitudes = signal[peaks]
    entropy = _histogram_entropy(periods, 0, 2, 50)
    r2, slope = _linear_fit(np.arange(frequency.size), frequency)
    row = {
        f"periodEntropy_{variant}": entropy,
        f"period_entropy_{variant}": entropy,
        f"periodVarianceNorm_{variant}": (
            float(np.var(periods) / np.max(periods)) if periods.size else math.nan
        ),
        **_stats(periods, "period", f"_{variant}"),
        **_stats(frequency, "frequency", f"_{variant}"),
        f"frequency_lr_fitness_r2_{variant}": r2,
        f"frequency_lr_slope_{variant}": slope,
        f"frequency_fit_min_degree_{variant}": _fit_min_degree(
            np.arange(frequency.size), frequency
        ),
        **_stats(amplitudes, "amplitude", f"_{variant}"),
        f"amplitude_entropy_{variant}": _histogram_entropy(amplitudes, 0, 90, 18),
    }
    for key, value in _amplitude_decrement(peaks, amplitudes).items():
        row[f"amplitude_decrement_{key}_{variant}"] = value
    return row
