import numpy as np
import pytest

from hawkeye.features.tapping import tapping_features
from hawkeye.landmarks.sequence import LandmarkError, LandmarkSequence


def _tapping(
    freq: float,
    seconds: float = 10,
    fps: float = 30,
    freeze: tuple[float, float] | None = None,
    missing: slice | None = None,
) -> LandmarkSequence:
    t = np.arange(int(seconds * fps)) / fps
    phase_rate = np.full_like(t, freq)
    if freeze:
        phase_rate[(t >= freeze[0]) & (t < freeze[1])] = 0
    aperture = 0.5 - 0.5 * np.cos(2 * np.pi * np.cumsum(phase_rate) / fps)
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


@pytest.mark.parametrize("freq", [1.5, 2.5, 4.0])
def test_frequency_and_amplitude_are_recovered(freq: float) -> None:
    f = tapping_features(_tapping(freq))
    assert f["frequency_median_denoised"] == pytest.approx(freq, rel=0.05)
    assert f["amplitude_median_denoised"] == pytest.approx(1.0, abs=0.1)
    assert f["num_peaks_denoised"] == pytest.approx(10 * freq, abs=1.5)
    assert f["numFreeze_denoised"] == 0


def test_a_freeze_is_counted_and_timed() -> None:
    f = tapping_features(_tapping(3.0, freeze=(4.0, 5.5)))
    assert f["numFreeze_denoised"] == 1
    assert f["maxFreezeDuration_denoised"] == pytest.approx(1.5, abs=0.3)
    assert f["numInterruptions_denoised"] >= 1


def test_missing_frames_are_interpolated() -> None:
    f = tapping_features(_tapping(2.0, missing=slice(100, 106)))
    assert np.isfinite(f["frequency_median_denoised"])
    assert f["frequency_median_denoised"] == pytest.approx(2.0, rel=0.05)


def test_contract_violations_are_explained() -> None:
    with pytest.raises(LandmarkError, match="21 joints, array has 20"):
        LandmarkSequence(
            np.zeros((5, 20, 3), np.float32), np.ones(5, bool), "mediapipe_hand_21", 30
        )
    with pytest.raises(LandmarkError, match="unknown joint layout"):
        LandmarkSequence(np.zeros((5, 21, 3), np.float32), np.ones(5, bool), "hand", 30)
