"""Finger-tapping kinematics (MDS-UPDRS 3.4) from a MediaPipe hand sequence.

Names follow the public PARK table's ``*_denoised`` columns so a model trained
on PARK can read features of a new video; the definitions are written here
from the paper's descriptions (normalised thumb-index distance, tap peaks,
period and frequency statistics, amplitude decrement, interruptions, freezes,
speed, acceleration, wrist movement, aperiodicity, entropy).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks, savgol_filter, welch

from hawkeye.features.stats import describe, linear_fit
from hawkeye.landmarks.sequence import HAND, LandmarkSequence

SUFFIX = "_denoised"
FEATURE_VERSION = 1  # bump when a definition changes, so caches and models notice


def _interpolate_missing(points: np.ndarray, presence: np.ndarray) -> np.ndarray:
    """Fill frames without a detection by linear interpolation between detected ones."""
    if presence.all():
        return points
    idx = np.flatnonzero(presence)
    filled = points.copy()
    flat = filled.reshape(len(points), -1)
    for j in range(flat.shape[1]):
        flat[:, j] = np.interp(np.arange(len(points)), idx, flat[idx, j])
    return filled


def _odd(n: int, minimum: int = 5) -> int:
    n = max(n, minimum)
    return n if n % 2 else n + 1


def _entropy(p: np.ndarray) -> float:
    """Shannon entropy normalised to 0..1 by the number of bins."""
    p = p[p > 0] / p.sum() if p.sum() > 0 else np.array([1.0])
    return float(-(p * np.log(p)).sum() / np.log(max(len(p), 2)))


def tapping_distance(seq: LandmarkSequence) -> np.ndarray:
    """Thumb-tip to index-tip distance in image plane, in units of hand size, denoised."""
    pts = _interpolate_missing(seq.points[:, :, :2].astype(np.float64), seq.presence)
    hand = np.linalg.norm(pts[:, HAND["wrist"]] - pts[:, HAND["middle_mcp"]], axis=1)
    size = float(np.median(hand[seq.presence])) or 1.0
    dist = np.linalg.norm(pts[:, HAND["thumb_tip"]] - pts[:, HAND["index_tip"]], axis=1) / size
    window = _odd(round(0.15 * seq.fps))
    return savgol_filter(dist, window, 2) if len(dist) > window else dist


def tapping_features(seq: LandmarkSequence) -> dict[str, float]:
    """One feature row for one recording."""
    fps = seq.fps
    d = tapping_distance(seq)
    spread = float(np.percentile(d, 95) - np.percentile(d, 5))
    peaks, props = find_peaks(
        d, prominence=max(0.2 * spread, 1e-6), distance=max(1, int(0.12 * fps))
    )
    amplitude = props["prominences"]
    peak_t = _refine_peak_times(d, peaks) / fps
    period = np.diff(peak_t)
    frequency = 1.0 / period if period.size else period
    speed = np.abs(np.gradient(d)) * fps
    accel = np.abs(np.gradient(np.gradient(d))) * fps**2

    f: dict[str, float] = {}
    f |= describe("amplitude", amplitude, SUFFIX)
    f |= describe("period", period, SUFFIX)
    f |= describe("frequency", frequency, SUFFIX)
    f |= describe("speed", speed, SUFFIX)
    f |= describe("acceleration", accel, SUFFIX)
    f[f"num_peaks{SUFFIX}"] = float(len(peaks))

    slope, r2 = linear_fit(peak_t, amplitude)
    f[f"amplitude_decrement_slope{SUFFIX}"] = slope
    f[f"amplitude_decrement_fitness_r2{SUFFIX}"] = r2
    half = len(amplitude) // 2
    mean_amp = amplitude.mean() if amplitude.size else np.nan
    f[f"amplitude_decrement_last_to_first_half{SUFFIX}"] = (
        float(amplitude[half:].mean() / amplitude[:half].mean()) if half else float("nan")
    )
    f[f"amplitude_decrement_end_to_mean{SUFFIX}"] = (
        float(amplitude[-3:].mean() / mean_amp) if amplitude.size >= 3 else float("nan")
    )
    f_slope, f_r2 = linear_fit(peak_t[1:], frequency) if period.size else (np.nan, np.nan)
    f[f"frequency_lr_slope{SUFFIX}"] = f_slope
    f[f"frequency_lr_fitness_r2{SUFFIX}"] = f_r2
    f[f"amplitude_entropy{SUFFIX}"] = (
        _entropy(np.histogram(amplitude, bins=10)[0].astype(float)) if amplitude.size else np.nan
    )

    # Interruptions: a gap between taps much longer than the typical period.
    median_period = float(np.median(period)) if period.size else float("nan")
    interruptions = int((period > 1.5 * median_period).sum()) if period.size else 0
    # Freezes: the fingers hold still (speed near zero) for longer than 0.4 s.
    still = speed < 0.2 * float(np.median(speed) or 1.0)
    runs = _run_lengths(still) / fps
    freezes = runs[runs >= 0.4]
    n_peaks = max(len(peaks), 1)
    f[f"numInterruptions{SUFFIX}"] = float(interruptions)
    f[f"num_interruptions_norm{SUFFIX}"] = interruptions / n_peaks
    f[f"numFreeze{SUFFIX}"] = float(len(freezes))
    f[f"num_freeze_norm{SUFFIX}"] = len(freezes) / n_peaks
    f[f"maxFreezeDuration{SUFFIX}"] = float(freezes.max()) if freezes.size else 0.0
    f[f"periodVarianceNorm{SUFFIX}"] = (
        float(period.var() / period.mean() ** 2) if period.size > 1 else float("nan")
    )

    # Rhythm regularity from the spectrum of the distance signal (0.5-8 Hz band).
    freqs, psd = welch(d - d.mean(), fs=fps, nperseg=min(len(d), int(4 * fps)))
    band = (freqs >= 0.5) & (freqs <= 8.0)
    if band.any() and psd[band].sum() > 0:
        p, fb = psd[band], freqs[band]
        dominant = fb[np.argmax(p)]
        near = np.abs(fb - dominant) <= 0.5
        f[f"aperiodicity{SUFFIX}"] = float(1 - p[near].sum() / p.sum())
        f[f"periodEntropy{SUFFIX}"] = _entropy(p)
    else:
        f[f"aperiodicity{SUFFIX}"] = f[f"periodEntropy{SUFFIX}"] = float("nan")

    f |= _wrist_features(seq)
    return f


def _refine_peak_times(d: np.ndarray, peaks: np.ndarray) -> np.ndarray:
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


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """Lengths (frames) of the runs of True in a boolean array."""
    padded = np.concatenate([[0], mask.astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return (edges[1::2] - edges[::2]).astype(float)


def _wrist_features(seq: LandmarkSequence) -> dict[str, float]:
    """Wrist excursion from its median position, in hand sizes: whole-hand instability."""
    pts = _interpolate_missing(seq.points[:, :, :2].astype(np.float64), seq.presence)
    size = float(
        np.median(np.linalg.norm(pts[:, HAND["wrist"]] - pts[:, HAND["middle_mcp"]], axis=1))
    )
    wrist = pts[:, HAND["wrist"]]
    offset = (wrist - np.median(wrist, axis=0)) / (size or 1.0)
    f = describe("wrist_mvmnt_x", np.abs(offset[:, 0]))
    f |= describe("wrist_mvmnt_y", np.abs(offset[:, 1]))
    f |= describe("wrist_mvmnt_dist", np.linalg.norm(offset, axis=1))
    return f
