"""The time series a rater looks at, from one landmark sequence, with their plain summaries.

Finger tapping: PARK's thumb-index angle with the very taps its features counted
(:func:`hawkeye.features.park.park_signal`), and per tap its amplitude and the time since
the previous tap: a decrement (taps shrinking) and hesitations (long gaps) are what a
rater looks for. Gait: the step events, cadence, stride and arm swing that
:func:`hawkeye.features.gait.gait_signal` measures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hawkeye.features.gait import LAYOUT as POSE_LAYOUT
from hawkeye.features.gait import GaitSignal, gait_signal
from hawkeye.features.park import LAYOUT as HAND_LAYOUT
from hawkeye.features.park import ParkSignal, park_signal
from hawkeye.landmarks.sequence import LandmarkError, LandmarkSequence

__all__ = [
    "STANDS_OUT",
    "GaitSignal",
    "GaitSummary",
    "ParkSignal",
    "TapSummary",
    "gait_summary",
    "key_frame_indices",
    "movement_signal",
    "tap_summary",
]


STANDS_OUT = 1.5  # a gap this many times the median is marked in the plots


@dataclass(frozen=True)
class TapSummary:
    """What a rater reads off the taps; NaN / -1 where there are too few taps."""

    n_taps: int
    first_amplitude: float  # degrees
    last_amplitude: float
    amplitude_change: float  # (last - first) / first: negative when the taps shrink
    median_period: float  # seconds between taps
    longest_period: float
    longest_after: int  # the longest gap runs from this tap (0-based) to the next; -1 none
    longest_at_s: float  # when the longest gap starts, from the recording's start
    taps_per_s: float  # 1 / median period

    @property
    def gap_stands_out(self) -> bool:
        """The longest gap is at least 1.5 times the median one (worth pointing at; a
        display rule, not one of PARK's definitions)."""
        return self.longest_period >= STANDS_OUT * self.median_period


def tap_summary(signal: ParkSignal) -> TapSummary:
    amps, periods = signal.amplitudes, signal.periods
    nan = math.nan
    if amps.size < 2:
        return TapSummary(int(amps.size), nan, nan, nan, nan, nan, -1, nan, nan)
    first, last = float(amps[0]), float(amps[-1])
    k = int(np.argmax(periods))
    median = float(np.median(periods))
    return TapSummary(
        n_taps=int(amps.size),
        first_amplitude=first,
        last_amplitude=last,
        amplitude_change=(last - first) / first if first > 0 else nan,
        median_period=median,
        longest_period=float(periods[k]),
        longest_after=k,
        longest_at_s=float(signal.times_s[signal.peaks[k]]),
        taps_per_s=1.0 / median if median > 0 else nan,
    )


@dataclass(frozen=True)
class GaitSummary:
    """Steps and rhythm as the gait features count them; NaN where unmeasurable."""

    n_steps: int
    cadence: float  # steps per minute: 60 / median step time while walking
    median_step_s: float
    n_pauses: int  # step intervals over twice the median (counted as freezes, not steps)
    longest_step_s: float
    first_stride: float  # leg lengths
    last_stride: float
    median_stride: float


def gait_summary(signal: GaitSignal) -> GaitSummary:
    nan = math.nan
    intervals, strides = signal.step_intervals_s, signal.stride_amplitude
    if intervals.size == 0:
        return GaitSummary(signal.n_steps, nan, nan, 0, nan, nan, nan, nan)
    walking = intervals[signal.walking]
    median = float(np.median(walking)) if walking.size else nan
    return GaitSummary(
        n_steps=signal.n_steps,
        cadence=60.0 / median if median > 0 else nan,
        median_step_s=median,
        n_pauses=int((~signal.walking).sum()),
        longest_step_s=float(intervals.max()),
        first_stride=float(strides[0]),
        last_stride=float(strides[-1]),
        median_stride=float(np.median(strides)),
    )


def movement_signal(seq: LandmarkSequence) -> ParkSignal | GaitSignal | None:
    """The task's series for this layout: tapping for a hand, gait for a pose, else None.

    None also when the sequence cannot give one (a hand without its frame size).
    """
    try:
        if seq.layout == HAND_LAYOUT:
            return park_signal(seq)
        if seq.layout == POSE_LAYOUT:
            return gait_signal(seq)
    except LandmarkError:
        return None
    return None


def key_frame_indices(seq: LandmarkSequence, n: int = 4) -> list[int]:
    """``n`` frames with landmarks, evenly spaced over the detected frames: the middle one
    of each of ``n`` equal shares (fewer when fewer frames are detected)."""
    detected = np.flatnonzero(seq.presence)
    if detected.size == 0 or n < 1:
        return []
    n = min(n, detected.size)
    picks = np.unique(((np.arange(n) + 0.5) * detected.size / n).astype(int))
    return [int(detected[i]) for i in picks]
