"""Finger-tapping kinematics (MDS-UPDRS 3.4) from a MediaPipe hand sequence.

The row has exactly the feature columns of the public PARK table (Islam et al., npj
Digit. Med. 6:156, 2023), so a model trained on PARK can score a new video. The
definitions are written here from the paper's descriptions, and where the paper is
vague, chosen to agree with what the table's own values reveal (noted below).

Signal. The thumb-tip to index-tip distance in the image plane divided by the hand
size (median wrist to middle-finger MCP length), frames without a detection filled by
linear interpolation (leading and trailing ones dropped, so no fake rest is invented),
smoothed by a 0.2 s, order-4 Savitzky-Golay filter (keeps fast taps: 94 % of a 6 Hz
opening at 30 fps, where order 2 keeps 84 %). A tap is a peak of that aperture at least
0.05 hand sizes and a fifth of the signal's 5-95 % range prominent, 0.12 s apart.

Variants. ``*_denoised``: the whole smoothed recording. ``*_trimmed``: the same
signal cut to the span from the first to the last tap peak, so the taps are the
inner ones (``num_peaks_trimmed = num_peaks_denoised - 2``, as in every PARK row).
That drops the start and the end, where people get ready, look at the screen or
stop, which otherwise read as long periods, freezes and slow speed. Unsuffixed
``wrist_mvmnt_*`` are computed once on the whole recording.

Per variant:

- ``amplitude``: a tap's peak prominence (its opening above the higher neighbouring
  trough); ``period``: time between consecutive peaks (sub-frame peak times);
  ``frequency`` = 1 / period; ``speed``, ``acceleration``: the absolute first and second
  time derivatives of the aperture at every frame (central differences). Each series is
  summarised by ``describe`` (median, quartile range, mean, min, max, stdev).
- ``amplitude_decrement_slope`` / ``_fitness_r2``: the least-squares line of amplitude
  against peak time, per second, and its R². ``amplitude_decrement_last_to_first_half``:
  mean amplitude of the last half of the taps minus that of the first half (middle tap
  left out when their number is odd); ``amplitude_decrement_end_to_mean``: mean of the
  last three taps minus the mean of all. Both are differences in amplitude units, not
  ratios, because PARK's values are often negative while its amplitudes never are;
  negative means the taps shrink. Both need four taps.
- ``frequency_lr_slope`` / ``_fitness_r2``: the line of frequency against the tap index
  (Hz per tap, as PARK's values show: slope x index spread = r x frequency spread).
- ``*_fit_min_degree`` (frequency, amplitude decrement): the smallest polynomial degree
  over the tap index, 1 to 10 and at most points - 1, whose fit explains 90 % of the
  series' variance or already stays within 5 % of its mean (RMS); 10 when none does.
  Low means a simple course (steady, or a steady decline), high an erratic one. PARK's
  values span 1-10 and never exceed the points - 1 that interpolates; a "nearly as good
  as a cubic" rule could not give values above 3.
- ``period_entropy`` and ``periodEntropy``: one feature under PARK's two names (the two
  columns are equal in every PARK row): the entropy of the periods in bins 10 % of the
  median period wide, divided by log(number of periods) - 0 for a steady rhythm, 1 when
  no two periods are alike. ``amplitude_entropy``: the same for amplitudes.
- ``periodVarianceNorm``: variance of the periods over their squared mean (CV²).
- ``aperiodicity``: share of the aperture's 0.5-12 Hz power (Welch) that lies outside
  +-0.5 Hz of the dominant tapping frequency and its harmonics; 0 for clockwork tapping.
- Holds: runs of frames whose speed is under 15 % of the 95th-percentile speed, with
  movement before and after (the rest before the first tap is not a freeze).
  ``numInterruptions`` counts holds of at least 0.2 s, ``numFreeze`` holds of at least
  0.3 s (so a freeze is also an interruption), ``maxFreezeDuration`` is the longest hold
  of any length (PARK's is never 0 and splits exactly at 0.2 s and 0.3 s, which is
  where these thresholds come from). ``num_interruptions_norm``, ``num_freeze_norm``:
  those counts divided by the variant's ``num_peaks`` (exactly so in PARK).
- ``wrist_mvmnt_{x,y,dist}``: the wrist's offset from its median position, per axis
  and as a distance, in hand sizes.

Units: distances in hand sizes, times in seconds. PARK's units are not published: its
amplitudes (median 28) are not hand sizes, and on realistic synthetic tapping its
amplitude and median speed are about 40 times ours (an angle in degrees, or a longer
hand-size reference, would do that). Timing, counts, entropies and fit degrees agree
in scale; amplitude-derived features differ by that one factor, and the amplitude
slope by fps as well (PARK's is per frame). Aperiodicity's scale does not agree.

Anything that cannot be computed is NaN, never an exception: rhythm and hold features
need two taps, fits three points, the decrement differences four taps, the spectrum
one second of signal, speeds three frames; the trimmed variant needs two taps to exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks, savgol_filter, welch

from hawkeye.features.signal import detected_span_xy, odd_window, refine_peak_times
from hawkeye.features.stats import binned_entropy, describe, linear_fit, min_fit_degree
from hawkeye.landmarks.sequence import HAND, LandmarkSequence

FEATURE_VERSION = 2  # bump when a definition changes, so caches and models notice

SMOOTH_S = 0.2  # Savitzky-Golay window (7 frames at 30 fps) ...
SMOOTH_ORDER = 4  # ... and order: 94 % of a 6 Hz tap kept, frame jitter cut by a quarter
MIN_TAP_AMPLITUDE = 0.05  # hand sizes: smaller openings are jitter, not taps
MIN_TAP_SHARE = 0.2  # of the aperture's 5-95 % range
MIN_TAP_INTERVAL_S = 0.12  # faster than 8 Hz is not tapping
STILL_SHARE = 0.15  # of the 95th-percentile speed
INTERRUPTION_S = 0.2
FREEZE_S = 0.3
END_TAPS = 3
BAND_HZ = (0.5, 12.0)
HARMONIC_HALF_WIDTH_HZ = 0.5
MIN_SPECTRUM_S = 1.0

NAN = float("nan")


@dataclass(frozen=True)
class Taps:
    """An aperture signal and the taps found in it; ``signal`` is empty when there is none."""

    signal: np.ndarray  # hand sizes, one value a frame
    peaks: np.ndarray  # frame indices of the taps in ``signal``
    times: np.ndarray  # sub-frame peak times, seconds
    amplitude: np.ndarray  # hand sizes
    fps: float
    tapping: bool  # at least two taps bound the signal: rhythm and holds are defined

    @property
    def num_peaks(self) -> float:
        return float(self.peaks.size) if self.signal.size else NAN


def tapping_features(seq: LandmarkSequence) -> dict[str, float]:
    """One feature row for one recording: every PARK feature column, same names."""
    pts = detected_span_xy(seq)
    size = _hand_size(pts)
    # A degenerate detection (no hand size) has no aperture to measure.
    taps = _detect_taps(_aperture(pts, size, seq.fps), seq.fps) if size > 0 else _no_taps(seq.fps)
    f = _variant_features(taps, "_denoised")
    f |= _variant_features(_trim(taps), "_trimmed")
    f |= _wrist_features(pts, size)
    return f


# --- signal -------------------------------------------------------------------------


def _hand_size(pts: np.ndarray) -> float:
    """Median wrist to middle-finger MCP length; 0 when the hand is degenerate."""
    size = float(
        np.median(np.linalg.norm(pts[:, HAND["wrist"]] - pts[:, HAND["middle_mcp"]], axis=1))
    )
    return size if np.isfinite(size) else 0.0


def _aperture(pts: np.ndarray, size: float, fps: float) -> np.ndarray:
    """Thumb-tip to index-tip distance in hand sizes, Savitzky-Golay smoothed."""
    dist = np.linalg.norm(pts[:, HAND["thumb_tip"]] - pts[:, HAND["index_tip"]], axis=1) / size
    window = odd_window(round(SMOOTH_S * fps))
    if len(dist) <= window:
        return dist
    return savgol_filter(dist, window, SMOOTH_ORDER, mode="mirror")


# --- taps ---------------------------------------------------------------------------


def _detect_taps(d: np.ndarray, fps: float) -> Taps:
    spread = float(np.percentile(d, 95) - np.percentile(d, 5))
    peaks, props = find_peaks(
        d,
        prominence=max(MIN_TAP_SHARE * spread, MIN_TAP_AMPLITUDE),
        distance=max(1, int(MIN_TAP_INTERVAL_S * fps)),
    )
    times = refine_peak_times(d, peaks) / fps
    return Taps(d, peaks, times, props["prominences"], fps, tapping=peaks.size >= 2)


def _no_taps(fps: float) -> Taps:
    empty = np.empty(0)
    return Taps(empty, empty.astype(int), empty, empty, fps, tapping=False)


def _trim(taps: Taps) -> Taps:
    """The signal from the first to the last tap peak, with the inner taps only."""
    if taps.peaks.size < 2:
        return _no_taps(taps.fps)
    a, b = int(taps.peaks[0]), int(taps.peaks[-1])
    return Taps(
        taps.signal[a : b + 1],
        taps.peaks[1:-1] - a,
        taps.times[1:-1] - a / taps.fps,
        taps.amplitude[1:-1],
        taps.fps,
        tapping=True,
    )


# --- features of one variant --------------------------------------------------------


def _variant_features(taps: Taps, suffix: str) -> dict[str, float]:
    f = _kinematics(taps.signal, taps.fps, suffix)
    f |= _rhythm(taps.times, suffix)
    f |= _amplitude(taps.times, taps.amplitude, suffix)
    f |= _holds(taps, suffix)
    f[f"aperiodicity{suffix}"] = _aperiodicity(taps.signal, taps.fps)
    return f


def _kinematics(d: np.ndarray, fps: float, suffix: str) -> dict[str, float]:
    """Speed and acceleration of the aperture (hand sizes per s, per s²)."""
    if d.size < 3:
        speed = accel = np.empty(0)
    else:
        velocity = np.gradient(d) * fps
        speed, accel = np.abs(velocity), np.abs(np.gradient(velocity) * fps)
    return describe("speed", speed, suffix) | describe("acceleration", accel, suffix)


def _rhythm(times: np.ndarray, suffix: str) -> dict[str, float]:
    period = np.diff(times)
    frequency = 1.0 / period
    f = describe("period", period, suffix) | describe("frequency", frequency, suffix)
    entropy = binned_entropy(period)
    f[f"period_entropy{suffix}"] = f[f"periodEntropy{suffix}"] = entropy
    f[f"periodVarianceNorm{suffix}"] = (
        float(period.var(ddof=1) / period.mean() ** 2) if period.size > 1 else NAN
    )
    slope, r2 = linear_fit(np.arange(frequency.size), frequency)
    f[f"frequency_lr_slope{suffix}"] = slope
    f[f"frequency_lr_fitness_r2{suffix}"] = r2
    f[f"frequency_fit_min_degree{suffix}"] = min_fit_degree(frequency)
    return f


def _amplitude(times: np.ndarray, amplitude: np.ndarray, suffix: str) -> dict[str, float]:
    f = describe("amplitude", amplitude, suffix)
    f[f"amplitude_entropy{suffix}"] = binned_entropy(amplitude)
    slope, r2 = linear_fit(times, amplitude)
    name = f"amplitude_decrement_{{}}{suffix}"
    f[name.format("slope")] = slope
    f[name.format("fitness_r2")] = r2
    f[name.format("last_to_first_half")] = _half_difference(amplitude)
    f[name.format("end_to_mean")] = (
        float(amplitude[-END_TAPS:].mean() - amplitude.mean()) if amplitude.size > END_TAPS else NAN
    )
    f[name.format("fit_min_degree")] = min_fit_degree(amplitude)
    return f


def _half_difference(values: np.ndarray) -> float:
    """Mean of the last half minus mean of the first half (middle value left out)."""
    half = values.size // 2
    if half < 2:
        return NAN
    return float(values[-half:].mean() - values[:half].mean())


def _holds(taps: Taps, suffix: str) -> dict[str, float]:
    """Interruptions and freezes: spells where the fingers hold still."""
    runs = _hold_durations(taps.signal, taps.fps) if taps.tapping else None
    n = taps.num_peaks
    if runs is None:
        interruptions = freezes = longest = NAN
    else:
        interruptions = float((runs >= INTERRUPTION_S - 1e-9).sum())
        freezes = float((runs >= FREEZE_S - 1e-9).sum())
        longest = float(runs.max()) if runs.size else 0.0
    return {
        f"num_peaks{suffix}": n,
        f"numInterruptions{suffix}": interruptions,
        f"num_interruptions_norm{suffix}": interruptions / n if n > 0 else NAN,
        f"numFreeze{suffix}": freezes,
        f"num_freeze_norm{suffix}": freezes / n if n > 0 else NAN,
        f"maxFreezeDuration{suffix}": longest,
    }


def _hold_durations(d: np.ndarray, fps: float) -> np.ndarray | None:
    """Durations (s) of the spells moving slower than ``STILL_SHARE`` of the top speed."""
    if d.size < 3:
        return None
    speed = np.abs(np.gradient(d)) * fps
    top = float(np.percentile(speed, 95))
    if not top > 0:
        return None
    return _interior_runs(speed < STILL_SHARE * top) / fps


def _interior_runs(mask: np.ndarray) -> np.ndarray:
    """Lengths (frames) of the runs of True that neither start nor end the array.

    A still spell before the first movement or after the last is waiting or having
    stopped, not an interruption of the tapping.
    """
    padded = np.concatenate([[0], mask.astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    starts, ends = edges[::2], edges[1::2]
    keep = (starts > 0) & (ends < mask.size)
    return (ends - starts)[keep].astype(float)


def _aperiodicity(d: np.ndarray, fps: float) -> float:
    """Share of the tapping band's power away from the dominant frequency and its harmonics."""
    if d.size < max(MIN_SPECTRUM_S * fps, 8):
        return NAN
    freqs, psd = welch(d, fs=fps, nperseg=min(d.size, int(4 * fps)), detrend="linear")
    band = (freqs >= BAND_HZ[0]) & (freqs <= min(BAND_HZ[1], fps / 2))
    p, fb = psd[band], freqs[band]
    total = float(p.sum())
    if not total > 0:
        return NAN
    f0 = fb[np.argmax(p)]
    harmonics = f0 * np.arange(1, int(fb[-1] // f0) + 1)
    near = (np.abs(fb[:, None] - harmonics[None, :]) <= HARMONIC_HALF_WIDTH_HZ).any(axis=1)
    return float(1 - p[near].sum() / total)


# --- whole recording ----------------------------------------------------------------


def _wrist_features(pts: np.ndarray, size: float) -> dict[str, float]:
    """Wrist excursion from its median position, in hand sizes: whole-hand instability."""
    if size > 0:
        wrist = pts[:, HAND["wrist"]]
        offset = (wrist - np.median(wrist, axis=0)) / size
    else:
        offset = np.full((0, 2), np.nan)
    f = describe("wrist_mvmnt_x", np.abs(offset[:, 0]))
    f |= describe("wrist_mvmnt_y", np.abs(offset[:, 1]))
    f |= describe("wrist_mvmnt_dist", np.linalg.norm(offset, axis=1))
    return f
