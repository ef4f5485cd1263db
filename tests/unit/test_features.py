import math
import warnings

import numpy as np
import pytest

from hawkeye.data.park import feature_names, read_table
from hawkeye.features.stats import binned_entropy, linear_fit, min_fit_degree
from hawkeye.features.tapping import FEATURE_VERSION, tapping_features
from hawkeye.landmarks.sequence import LandmarkError, LandmarkSequence

VARIANTS = ("_denoised", "_trimmed")


def _tapping(
    freq: float,
    seconds: float = 10,
    fps: float = 30,
    freeze: tuple[float, float] | None = None,
    missing: slice | None = None,
    decrement: float = 0.0,
    rate: np.ndarray | None = None,
) -> LandmarkSequence:
    """Thumb and index of a hand 0.2 image units big; the index opens up to one hand size.

    ``decrement``: the opening shrinks linearly from 1 to ``1 - decrement`` hand sizes over
    the recording. ``rate``: tapping frequency per frame instead of the constant ``freq``.
    """
    t = np.arange(int(seconds * fps)) / fps
    phase_rate = np.full_like(t, freq) if rate is None else np.asarray(rate, float)[: len(t)]
    if freeze:
        phase_rate[(t >= freeze[0]) & (t < freeze[1])] = 0
    aperture = 0.5 - 0.5 * np.cos(2 * np.pi * np.cumsum(phase_rate) / fps)
    aperture *= 1 - decrement * t / seconds
    pts = np.zeros((len(t), 21, 3), np.float32)
    pts[:, 0, :2] = [0.5, 0.8]  # wrist
    pts[:, 9, :2] = [0.5, 0.6]  # middle MCP: hand size 0.2
    pts[:, 4, :2] = [0.45, 0.65]  # thumb tip
    pts[:, 8, 0] = 0.45
    pts[:, 8, 1] = 0.65 - 0.2 * aperture  # index tip opens up to one hand size
    presence = np.ones(len(t), bool)
    if missing:
        presence[missing] = False
        pts[missing] = np.nan
    return LandmarkSequence(pts, presence, "mediapipe_hand_21", fps)


def _quiet(seq: LandmarkSequence) -> dict[str, float]:
    """Features with every numpy/scipy warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return tapping_features(seq)


REFERENCE_KEYS = list(tapping_features(_tapping(3.0)))


def test_feature_version_is_bumped() -> None:
    assert FEATURE_VERSION == 2


@pytest.mark.real_data
def test_columns_are_exactly_the_park_feature_columns(shared_data) -> None:
    path = shared_data / "park_finger_tapping" / "fingertapping_features.csv"
    if not path.is_file():
        pytest.skip(f"PARK table {path} is absent")
    park = feature_names(read_table(path))
    assert len(REFERENCE_KEYS) == len(set(REFERENCE_KEYS)) == len(park) == 116
    assert set(REFERENCE_KEYS) == set(park)


def test_both_variants_and_wrist_columns_are_there() -> None:
    for suffix in VARIANTS:
        for name in ("amplitude_median", "periodEntropy", "period_entropy", "numFreeze"):
            assert f"{name}{suffix}" in REFERENCE_KEYS
    assert "wrist_mvmnt_dist_max" in REFERENCE_KEYS
    assert not [k for k in REFERENCE_KEYS if k.startswith("wrist") and k.endswith(VARIANTS)]


@pytest.mark.parametrize("freq", [1.5, 2.5, 4.0])
def test_frequency_and_amplitude_are_recovered(freq: float) -> None:
    f = _quiet(_tapping(freq))
    # Tolerances: 5 % on frequency and period (sub-frame peak times at 30 fps), 0.1
    # hand size on an opening of exactly one hand size (smoothing rounds the peaks).
    for s in VARIANTS:
        assert f[f"frequency_median{s}"] == pytest.approx(freq, rel=0.05)
        assert f[f"period_median{s}"] == pytest.approx(1 / freq, rel=0.05)
        assert f[f"amplitude_median{s}"] == pytest.approx(1.0, abs=0.1)
        assert f[f"numFreeze{s}"] == 0
        assert f[f"numInterruptions{s}"] == 0
        assert f[f"period_entropy{s}"] == f[f"periodEntropy{s}"] == 0  # clockwork
        assert f[f"periodVarianceNorm{s}"] < 1e-3
        assert f[f"aperiodicity{s}"] < 0.1
        assert f[f"frequency_fit_min_degree{s}"] == 1
        # A/2 x 2 pi f; central differences at 30 fps read 12 % low at 4 Hz
        assert f[f"speed_max{s}"] == pytest.approx(np.pi * freq, rel=0.15)
    assert f["num_peaks_denoised"] == pytest.approx(10 * freq, abs=1.5)
    assert f["num_peaks_trimmed"] == f["num_peaks_denoised"] - 2
    assert f["wrist_mvmnt_dist_max"] == 0  # the wrist never moves


def test_amplitude_decrement_gives_a_negative_trend() -> None:
    # The opening shrinks from 1 to 0.5 hand sizes in 10 s: -0.05 hand sizes per second.
    f = _quiet(_tapping(2.5, decrement=0.5))
    for s in VARIANTS:
        assert f[f"amplitude_decrement_slope{s}"] == pytest.approx(-0.05, rel=0.2)
        assert f[f"amplitude_decrement_fitness_r2{s}"] > 0.9
        # differences in hand sizes: about -0.25 between the halves (< 0, so also < 1)
        assert f[f"amplitude_decrement_last_to_first_half{s}"] == pytest.approx(-0.25, abs=0.06)
        assert f[f"amplitude_decrement_last_to_first_half{s}"] < 1
        assert f[f"amplitude_decrement_end_to_mean{s}"] < -0.15
        assert f[f"amplitude_decrement_fit_min_degree{s}"] == 1  # a straight decline
        assert f[f"frequency_median{s}"] == pytest.approx(2.5, rel=0.05)
    steady = _quiet(_tapping(2.5))
    assert abs(steady["amplitude_decrement_slope_denoised"]) < 0.01


def test_a_freeze_is_counted_and_timed() -> None:
    f = _quiet(_tapping(3.0, freeze=(4.0, 5.5)))
    for s in VARIANTS:
        assert f[f"numFreeze{s}"] == 1
        assert f[f"maxFreezeDuration{s}"] == pytest.approx(1.5, abs=0.3)
        assert f[f"numInterruptions{s}"] >= f[f"numFreeze{s}"]  # a freeze also interrupts
        assert f[f"num_freeze_norm{s}"] == pytest.approx(1 / f[f"num_peaks{s}"])
        assert f[f"period_max{s}"] == pytest.approx(1 / 3 + 1.5, abs=0.1)


def test_a_short_hesitation_is_an_interruption_not_a_freeze() -> None:
    f = _quiet(_tapping(3.0, freeze=(4.0, 4.25)))
    assert f["numInterruptions_denoised"] == 1
    assert f["numFreeze_denoised"] == 0


def test_waiting_before_the_first_tap_is_not_a_freeze() -> None:
    f = _quiet(_tapping(3.0, freeze=(0.0, 1.5)))
    assert f["numFreeze_denoised"] == f["numInterruptions_denoised"] == 0
    assert f["frequency_median_denoised"] == pytest.approx(3.0, rel=0.05)


def test_irregular_rhythm_raises_entropy_and_aperiodicity() -> None:
    rng = np.random.default_rng(1)
    rate = np.repeat(rng.uniform(1.5, 4.5, 40), 8)  # a new tempo every 8 frames
    irregular, steady = _quiet(_tapping(3.0, rate=rate)), _quiet(_tapping(3.0))
    for s in VARIANTS:
        assert irregular[f"period_entropy{s}"] > 0.3 > steady[f"period_entropy{s}"]
        assert irregular[f"aperiodicity{s}"] > steady[f"aperiodicity{s}"] + 0.1
        assert irregular[f"periodVarianceNorm{s}"] > 0.01
        assert irregular[f"frequency_fit_min_degree{s}"] > 1


def test_missing_frames_are_interpolated() -> None:
    f = _quiet(_tapping(2.0, missing=slice(100, 106)))
    assert np.isfinite(f["frequency_median_denoised"])
    assert f["frequency_median_denoised"] == pytest.approx(2.0, rel=0.05)


def test_missing_frames_at_the_ends_are_dropped_not_invented() -> None:
    f = _quiet(_tapping(2.0, missing=slice(0, 45)))
    g = _quiet(_tapping(2.0, missing=slice(240, 300)))
    for row in (f, g):
        assert row["frequency_median_trimmed"] == pytest.approx(2.0, rel=0.05)
        assert row["numFreeze_denoised"] == 0


def _flat(frames: int) -> LandmarkSequence:
    return _tapping(2.0, seconds=frames / 30, freeze=(0, 1e9))


@pytest.mark.parametrize(
    ("name", "seq", "peaks"),
    [
        ("flat", _flat(300), 0),
        ("one tap", _tapping(0.1), 1),
        ("two taps", _tapping(0.2), 2),
        ("three taps", _tapping(0.3), 3),
        ("one frame", _flat(1), 0),
        ("two frames", _tapping(2.0, seconds=2 / 30), 0),
        ("ten frames", _tapping(2.0, seconds=10 / 30), 1),
    ],
)
def test_edge_cases_give_nan_not_exceptions(name: str, seq: LandmarkSequence, peaks: int) -> None:
    f = _quiet(seq)
    assert list(f) == REFERENCE_KEYS, name  # the same columns in the same order
    assert all(isinstance(v, float) for v in f.values())
    assert f["num_peaks_denoised"] == peaks
    if peaks < 2:
        for s in VARIANTS:
            assert math.isnan(f[f"period_median{s}"])
            assert math.isnan(f[f"numFreeze{s}"])
            assert math.isnan(f[f"frequency_lr_slope{s}"])
        assert math.isnan(f["num_peaks_trimmed"])
        assert math.isnan(f["amplitude_median_trimmed"])
    if peaks < 4:
        assert math.isnan(f["amplitude_decrement_last_to_first_half_denoised"])
        assert math.isnan(f["amplitude_decrement_end_to_mean_denoised"])
    if peaks == 0:
        assert math.isnan(f["amplitude_median_denoised"])
        assert math.isnan(f["num_interruptions_norm_denoised"])
    if peaks >= 2:
        assert f["num_peaks_trimmed"] == peaks - 2
        assert f["period_median_denoised"] == pytest.approx(1 / (peaks / 10), rel=0.05)
        assert np.isfinite(f["numFreeze_denoised"])
    if peaks == 3:
        assert math.isnan(f["frequency_lr_slope_denoised"])  # two periods: no fit
        assert np.isfinite(f["amplitude_decrement_slope_denoised"])


def test_flat_signal_has_zero_speed_and_no_rhythm() -> None:
    f = _quiet(_flat(300))
    assert f["speed_max_denoised"] == pytest.approx(0, abs=1e-9)
    assert math.isnan(f["aperiodicity_denoised"])
    assert math.isnan(f["period_entropy_denoised"])


def test_degenerate_hand_and_lone_detection_give_nan() -> None:
    still = np.zeros((60, 21, 3), np.float32)
    f = _quiet(LandmarkSequence(still, np.ones(60, bool), "mediapipe_hand_21", 30))
    assert list(f) == REFERENCE_KEYS
    assert all(math.isnan(v) for v in f.values())
    presence = np.zeros(300, bool)
    presence[150] = True
    g = _quiet(LandmarkSequence(_tapping(2.0).points, presence, "mediapipe_hand_21", 30))
    assert list(g) == REFERENCE_KEYS
    assert math.isnan(g["frequency_median_denoised"])


def test_trend_helpers() -> None:
    x = np.arange(11.0)
    assert min_fit_degree(2 * x + 1) == 1
    assert min_fit_degree((x - 5) ** 2) == 2
    assert min_fit_degree(np.full(11, 3.0)) == 1
    assert min_fit_degree(3 + 0.01 * np.sin(x)) == 1  # steady within 5 %: no trend to follow
    assert math.isnan(min_fit_degree(np.array([1.0, 2.0])))
    noise = np.random.default_rng(0).standard_normal(6)
    assert 1 <= min_fit_degree(noise) <= 5  # never past len - 1, which interpolates
    assert 1 <= min_fit_degree(np.random.default_rng(0).standard_normal(40)) <= 10
    slope, r2 = linear_fit(x, 2 * x + 1)
    assert (slope, r2) == (pytest.approx(2), pytest.approx(1))
    assert math.isnan(linear_fit(x, np.full(11, 3.0))[1])


def test_binned_entropy() -> None:
    assert binned_entropy(np.full(10, 0.3)) == 0
    assert binned_entropy(np.array([1.0, 2.0, 3.0, 4.0])) == pytest.approx(1)
    assert 0 < binned_entropy(np.array([1.0, 1.0, 1.5, 1.5])) < 1
    assert math.isnan(binned_entropy(np.array([1.0])))
    assert math.isnan(binned_entropy(np.zeros(5)))


def test_contract_violations_are_explained() -> None:
    with pytest.raises(LandmarkError, match="21 joints, array has 20"):
        LandmarkSequence(
            np.zeros((5, 20, 3), np.float32), np.ones(5, bool), "mediapipe_hand_21", 30
        )
    with pytest.raises(LandmarkError, match="unknown joint layout"):
        LandmarkSequence(np.zeros((5, 21, 3), np.float32), np.ones(5, bool), "hand", 30)
