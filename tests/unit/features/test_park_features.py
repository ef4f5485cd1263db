"""PARK's finger-tapping features on hand-built landmark sequences.

Every expected value is worked out here from PARK's definitions (see the module docstring
of hawkeye.features.park), never read back from the function.

Construction. In a 1920x1080 frame the wrist sits at pixel (400 + drift * k, 1050), the
thumb tip 1000 px straight above it, the thumb CMC 100 px above it, and the index tip at
``wrist + (round(1000 sin t), -round(1000 cos t))`` for the wanted angle ``t(k)``.
Landmarks are written at pixel centres, ``(p + 0.5) / size``, so PARK's ``int(x * width)``
gives back ``p`` exactly (float32 keeps them within 1e-4 px). The thumb vector is then
exact and the index vector is off by at most 0.5 px per coordinate, i.e. 0.71 px on a
1000 px vector: the pixel angle is within 0.71 / 1000 rad = 0.041 deg of ``t``
(ANGLE_TOL = 0.05). A speed (difference / frame time, 1/30 s) is then within
2 * 0.041 * 30 = 2.5 deg/s (SPEED_TOL = 3).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hawkeye.features.park import (
    FEATURE_NAMES,
    _amplitude_decrement,
    _fit_min_degree,
    _linear_fit,
    _r2,
    park_features,
)
from hawkeye.landmarks.sequence import LandmarkError, LandmarkSequence

FPS = 30.0
W, H = 1920, 1080
ANGLE_TOL = 0.05  # degrees, see the module docstring
SPEED_TOL = 3.0  # degrees per second

DENOISED_ONLY = {
    "aperiodicity_denoised",
    "numInterruptions_denoised",
    "numFreeze_denoised",
    "maxFreezeDuration_denoised",
    *(f"{q}_{s}_denoised" for q in ("speed", "acceleration") for s in
      ("median", "quartile_range", "mean", "min", "max", "stdev")),
}  # fmt: skip


def hand(
    theta_deg: np.ndarray,
    *,
    drift_px: int = 0,
    present: np.ndarray | None = None,
    width: int = W,
    height: int = H,
    duration: float | None = None,
) -> LandmarkSequence:
    """A MediaPipe hand whose pixel thumb-index angle (in a 1920x1080 frame) is theta."""
    n = len(theta_deg)
    t = np.radians(theta_deg)
    wx = 400 + drift_px * np.arange(n)
    wy = np.full(n, 1050)
    pixels = np.zeros((n, 21, 2))
    pixels[:] = np.stack([wx, wy], axis=1)[:, None, :]  # unused joints at the wrist
    pixels[:, 1] = np.stack([wx, wy - 100], axis=1)  # thumb CMC
    pixels[:, 4] = np.stack([wx, wy - 1000], axis=1)  # thumb tip
    pixels[:, 8] = np.stack([wx + np.round(1000 * np.sin(t)), wy - np.round(1000 * np.cos(t))], 1)
    points = np.zeros((n, 21, 3), dtype=np.float32)
    points[..., :2] = (pixels + 0.5) / np.array([W, H])
    presence = np.ones(n, dtype=bool) if present is None else present
    return LandmarkSequence(points, presence, "mediapipe_hand_21", FPS, width, height, duration)


def tapping(k: np.ndarray, amplitude: float | np.ndarray = 40.0) -> np.ndarray:
    """3 Hz at 30 fps: a 10-frame cycle from 0 up to ``amplitude`` (at k = 5 mod 10)."""
    return amplitude * (1 - np.cos(2 * np.pi * k / 10)) / 2


def test_steady_3hz_tapping() -> None:
    # 300 frames = 10 s, wrist drifting 1 px a frame. Peaks at k = 5, 15, ..., 295.
    f = park_features(hand(tapping(np.arange(300)), drift_px=1))
    assert set(f) == set(FEATURE_NAMES) and all(type(v) is float for v in f.values())

    assert f["num_peaks_denoised"] == 30
    assert f["num_peaks_trimmed"] == 28  # the first and last peak dropped
    for v in ("denoised", "trimmed"):
        # Every peak-to-peak gap is 10 frames x (10 s / 300 frames).
        for s in ("median", "mean", "min", "max"):
            assert f[f"period_{s}_{v}"] == pytest.approx(1 / 3)
            assert f[f"frequency_{s}_{v}"] == pytest.approx(3.0)
        assert f[f"period_stdev_{v}"] == pytest.approx(0, abs=1e-12)
        assert f[f"period_quartile_range_{v}"] == pytest.approx(0, abs=1e-12)
        assert f[f"periodVarianceNorm_{v}"] == pytest.approx(0, abs=1e-12)
        assert f[f"frequency_lr_slope_{v}"] == pytest.approx(0, abs=1e-9)
        # The frequencies are all exactly 3.0: the centred least squares predicts 3.0
        # exactly, so R² is 0/0, which r2_score's force_finite reads as 1. (np.polyfit's
        # prediction is off by rounding, which force_finite reads as R² = 0 at every
        # degree: PARK's frequency_fit_min_degree is then its cap of 10.)
        assert f[f"frequency_lr_fitness_r2_{v}"] == 1.0
        # All periods fall in one 2/49 s bin, all amplitudes in one 90/17 deg bin.
        assert f[f"periodEntropy_{v}"] == f[f"period_entropy_{v}"] == pytest.approx(0)
        assert f[f"amplitude_entropy_{v}"] == pytest.approx(0)
        # Every peak frame has the same pixels: index at (643, -766), atan(643/766).
        assert f[f"amplitude_median_{v}"] == pytest.approx(40.0, abs=ANGLE_TOL)
        assert f[f"amplitude_median_{v}"] == pytest.approx(
            math.degrees(math.atan2(643, 766)), abs=1e-9
        )
        assert f[f"amplitude_stdev_{v}"] == pytest.approx(0, abs=1e-9)
        # The slowest step, 0 -> 20(1 - cos 36 deg) = 3.82 deg, is 115 deg/s > 50.
        for hold in ("numInterruptions", "numFreeze", "maxFreezeDuration"):
            assert f[f"{hold}_{v}"] == 0
        assert f[f"num_interruptions_norm_{v}"] == f[f"num_freeze_norm_{v}"] == 0
    # Steps over a cycle: 20(1 - cos 36) = 3.820 (x4), 20(cos 36 - cos 72) = 10 (x4),
    # 40 cos 72 = 12.361 (x2) degrees. 299 steps = 29 cycles + the first 9 steps of one:
    # 119, 120 and 60 of them; the 150th smallest is a 10-degree step.
    small, mid, big = 20 * (1 - math.cos(math.radians(36))), 10.0, 40 * math.cos(math.radians(72))
    assert f["speed_median_denoised"] == pytest.approx(mid * FPS, abs=SPEED_TOL)
    assert f["speed_min_denoised"] == pytest.approx(small * FPS, abs=SPEED_TOL)
    assert f["speed_max_denoised"] == pytest.approx(big * FPS, abs=SPEED_TOL)
    mean = (119 * small + 120 * mid + 60 * big) / 299 * FPS
    assert f["speed_mean_denoised"] == pytest.approx(mean, abs=SPEED_TOL)
    # (No aperiodicity here: an exactly periodic signal has off-harmonic FFT bins of
    # exactly 0, and PARK's p log p makes that NaN; the one-spike case below pins it.)
    # Wrist: 1 px a frame / 100 px wrist-CMC = 0.01 lengths a frame = 0.3 per second.
    for s in ("median", "mean", "min", "max"):
        assert f[f"wrist_mvmnt_x_{s}"] == pytest.approx(0.3)
        assert f[f"wrist_mvmnt_dist_{s}"] == pytest.approx(0.3)
        assert f[f"wrist_mvmnt_y_{s}"] == 0


def test_decrementing_amplitude() -> None:
    # Amplitude falls 0.1 deg a frame: a(k) = 60 - 0.1 k, so the tap at k = 10 j + 5
    # peaks at A_j = 59.5 - j (j = 0..29; still the local maximum, a > 0.95).
    k = np.arange(300)
    f = park_features(hand(tapping(k, 60 - 0.1 * k)))
    assert f["num_peaks_denoised"] == 30  # all above floor(p80 of A_7..A_20 / 2) = 24
    assert f["amplitude_max_denoised"] == pytest.approx(59.5, abs=ANGLE_TOL)
    assert f["amplitude_min_denoised"] == pytest.approx(30.5, abs=ANGLE_TOL)
    # The line of -A against the peak frame: slope +0.1 per frame (a shrinking tap is a
    # positive slope). Rounding of 0.041 deg moves it by at most
    # 0.041 * sum|x - mean| / sum (x - mean)^2 = 0.041 * 2250 / 224750 = 4e-4.
    for v in ("denoised", "trimmed"):
        assert f[f"amplitude_decrement_slope_{v}"] == pytest.approx(0.1, abs=5e-4)
        assert f[f"amplitude_decrement_fitness_r2_{v}"] > 0.999
        assert f[f"amplitude_decrement_fit_min_degree_{v}"] == 1
    # end_to_mean = mean(A) - A[-1]: 45 - 30.5; trimmed (A_1..A_28): 45 - 31.5.
    assert f["amplitude_decrement_end_to_mean_denoised"] == pytest.approx(14.5, abs=0.1)
    assert f["amplitude_decrement_end_to_mean_trimmed"] == pytest.approx(13.5, abs=0.1)
    # last_to_first_half, k = round(n / 2): n = 30, k = 15: mean(A_0..A_15) = 52 minus
    # mean(A_16..A_29) = 37; trimmed n = 28, k = 14: mean(A_1..A_15) = 51.5 minus
    # mean(A_16..A_28) = 37.5.
    assert f["amplitude_decrement_last_to_first_half_denoised"] == pytest.approx(15, abs=0.1)
    assert f["amplitude_decrement_last_to_first_half_trimmed"] == pytest.approx(14, abs=0.1)


def test_last_to_first_half_rounds_half_to_even() -> None:
    # n = 5: round(2.5) = 2, so the first part is A[:3] (mean 20) and the rest A[3:]
    # (mean 70); rounding half up would give A[:4] - A[4:] = 25 - 100.
    amplitudes = np.array([10.0, 20.0, 30.0, 40.0, 100.0])
    row = _amplitude_decrement(np.arange(5) * 10, amplitudes)
    assert row["last_to_first_half"] == pytest.approx(-50)
    assert row["end_to_mean"] == pytest.approx(40 - 100)
    assert math.isnan(_amplitude_decrement(np.arange(2), amplitudes[:2])["last_to_first_half"])


def test_fit_helpers_follow_sklearn_and_polyfit_semantics() -> None:
    x = np.arange(10)
    # A parabola symmetric about the middle has no linear trend (R² 0 at degree 1) and
    # is fitted exactly at degree 2.
    assert _fit_min_degree(x, (x - 4.5) ** 2) == 2
    assert _fit_min_degree(x, 3 * x + 1.0) == 1
    assert math.isnan(_fit_min_degree(np.arange(1), np.ones(1)))  # polyfit fails on x = 0
    r2, slope = _linear_fit(x, 2 - 0.5 * x)
    assert r2 == pytest.approx(1) and slope == pytest.approx(-0.5)
    assert math.isnan(_linear_fit(np.arange(1), np.ones(1))[0])  # R² needs two samples
    assert all(math.isnan(v) for v in _linear_fit(np.arange(0), np.ones(0)))
    # r2_score with force_finite: constant target, exact prediction 1, any miss 0.
    assert _r2(np.full(4, 2.0), np.full(4, 2.0)) == 1.0
    assert _r2(np.full(4, 2.0), np.full(4, 2.0 + 1e-12)) == 0.0


def test_half_second_freeze() -> None:
    # 15 cycles, then the closed hand (0 deg) held 15 frames, then 15 more cycles:
    # 0 deg on frames 150..165, so 15 steps of 0 deg/s between two 115 deg/s steps.
    angle = np.concatenate([tapping(np.arange(150)), np.zeros(15), tapping(np.arange(150, 300))])
    f = park_features(hand(angle))
    frame_s = (315 / FPS) / 315
    for v in ("denoised", "trimmed"):
        assert f[f"numInterruptions_{v}"] == 1  # 15 frames x 1/30 s >= 0.2 s
        assert f[f"numFreeze_{v}"] == 1  # ... and >= 0.3 s
        assert f[f"maxFreezeDuration_{v}"] == pytest.approx(15 * frame_s)  # 0.5 s
        assert abs(f[f"maxFreezeDuration_{v}"] - 0.5) < 1 / FPS
    assert f["num_peaks_denoised"] == 30
    assert f["num_freeze_norm_denoised"] == pytest.approx(1 / 30)
    assert f["num_interruptions_norm_trimmed"] == pytest.approx(1 / 28)
    # The peaks around the hold (k = 145 and 170) are 25 frames apart.
    assert f["period_max_denoised"] == pytest.approx(25 * frame_s)


def test_short_gaps_are_filled_and_keep_the_run() -> None:
    # Missing frames on rising flanks (k mod 10 in 2..4): single frames, a pair, a
    # triple. Each has at most 3 missing in PARK's window, so the spline fills it, the
    # run stays the whole recording and every tap survives, 10 frames apart.
    present = np.ones(300, dtype=bool)
    gaps = [52, 113, 172, 173, 232, 233, 234]
    present[gaps] = False
    f = park_features(hand(tapping(np.arange(300)), drift_px=1, present=present))
    assert f["num_peaks_denoised"] == 30
    assert f["period_min_denoised"] == pytest.approx(1 / 3)
    assert f["period_max_denoised"] == pytest.approx(1 / 3)
    # The wrist of a filled frame stays missing: the steps touching one count 0. The
    # trimmed span is frames 15..285 (270 steps); the gaps make 2 + 2 + 3 + 4 = 11 of
    # them zero, the other 259 are 0.3 per second.
    assert f["wrist_mvmnt_x_min"] == 0
    assert f["wrist_mvmnt_x_median"] == pytest.approx(0.3)
    assert f["wrist_mvmnt_x_mean"] == pytest.approx(0.3 * 259 / 270)


def test_long_gap_keeps_the_longest_run() -> None:
    # Frames 150..170 missing: between 3.8 deg at k = 149 and k = 171, both on steep
    # flanks into the gap, the cubic spline dips far below 0 (one cubic piece across 22
    # frames whose end slopes are about -7 and +7 deg a frame or steeper: its middle is
    # below 3.8 - 7 * 22 / 4 < 0), and PARK leaves negative fills missing. The recording
    # splits into frames 0..149 (taps at 5..145: 15) and about 60 frames (6 taps); the
    # longer part is kept.
    present = np.ones(231, dtype=bool)
    present[150:171] = False
    # The container says 9.24 s: frame time is 9.24 s / 231 frames (all frames, not
    # the kept run's 150) = 0.04 s, so a 10-frame period reads 0.4 s.
    f = park_features(hand(tapping(np.arange(231)), present=present, duration=9.24))
    assert f["num_peaks_denoised"] == 15
    assert f["period_median_denoised"] == pytest.approx(0.4)
    assert f["frequency_median_denoised"] == pytest.approx(2.5)


def test_portrait_frame_changes_the_pixel_angle() -> None:
    # The same normalised landmarks in a 1080x1920 frame: pixel x shrinks by 1080/1920
    # and y grows by 1920/1080. The thumb stays vertical, so the peak angle is
    # atan((643 * 9/16) / (766 * 16/9)) = 14.87 deg instead of atan(643 / 766) = 40.0.
    # int() truncation now moves each end by < 1 px: < 0.06 deg on the 1409 px index
    # vector, < 0.04 deg on the 1778 px thumb one.
    angle = tapping(np.arange(300))
    landscape = park_features(hand(angle))
    portrait = park_features(hand(angle, width=1080, height=1920))
    expected = math.degrees(math.atan((643 * 9 / 16) / (766 * 16 / 9)))
    assert portrait["amplitude_median_denoised"] == pytest.approx(expected, abs=0.1)
    assert landscape["amplitude_median_denoised"] == pytest.approx(
        math.degrees(math.atan(643 / 766)), abs=1e-9
    )
    assert portrait["num_peaks_denoised"] == 30  # same taps, smaller angle


def test_fewer_than_two_peaks_gives_nan_not_an_error() -> None:
    # Rest at exactly 0 deg (index on the thumb ray) with one 40-degree spike at frame 30:
    # PARK's first peak pass needs three peaks, so every tap feature is NaN; the
    # denoised-signal features remain.
    angle = np.zeros(60)
    angle[30] = 40.0
    f = park_features(hand(angle))
    assert {k for k, v in f.items() if not math.isnan(v)} == DENOISED_ONLY
    # The opening rest, 29 zero steps, ends with the spike's step up: one freeze of 29
    # frames; the closing rest never ends, so it is not counted.
    assert f["numFreeze_denoised"] == f["numInterruptions_denoised"] == 1
    assert f["maxFreezeDuration_denoised"] == pytest.approx(29 / FPS)
    # A lone spike has a flat spectrum, |X_k| = its height for all 60 bins: p = 1/60
    # each and the entropy is ln 60.
    assert f["aperiodicity_denoised"] == pytest.approx(math.log(60))
    # Two steps of about 40 deg (1200 deg/s) among 59, the rest 0.
    assert f["speed_max_denoised"] == pytest.approx(40 * FPS, abs=SPEED_TOL)
    assert f["speed_median_denoised"] == 0


def test_frame_size_and_layout_are_required() -> None:
    seq = hand(tapping(np.arange(60)))
    bare = LandmarkSequence(seq.points, seq.presence, seq.layout, seq.fps)
    with pytest.raises(LandmarkError, match="frame size"):
        park_features(bare)
    pose = LandmarkSequence(np.zeros((5, 33, 3), np.float32), np.ones(5, bool),
                            "mediapipe_pose_33", FPS, W, H)  # fmt: skip
    with pytest.raises(LandmarkError, match="mediapipe_hand_21"):
        park_features(pose)


@pytest.mark.real_data
def test_columns_are_the_park_table_features(shared_data) -> None:
    import pandas as pd

    table = pd.read_csv(shared_data / "park_finger_tapping" / "fingertapping_features.csv", nrows=1)
    assert [c for c in table.columns if c in set(FEATURE_NAMES)] == list(FEATURE_NAMES)
