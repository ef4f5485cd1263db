import math

import pytest

from hawkeye.profiles import REFERENCE_BATCH, describe, resolve


def test_profiles_scale_the_learning_rate_with_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HAWKEYE_ENV", raising=False)
    local, hpc = resolve(), resolve("hpc")
    assert local.name == "local" and hpc.batch_size > local.batch_size
    ratio = hpc.learning_rate(1e-3) / local.learning_rate(1e-3)
    assert ratio == pytest.approx(math.sqrt(hpc.batch_size / local.batch_size))
    assert resolve("cloud").learning_rate(1e-3, REFERENCE_BATCH) == pytest.approx(
        1e-3 * math.sqrt(resolve("cloud").batch_size / REFERENCE_BATCH)
    )


def test_environment_selects_profile_and_paths(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("HAWKEYE_ENV", "hpc")
    monkeypatch.setenv("HAWKEYE_DATA_ROOT", str(tmp_path))
    profile = resolve()
    assert profile.name == "hpc" and profile.data_root == tmp_path
    shown = describe(profile)
    assert shown["precision"].startswith("32")  # no CUDA here: mixed precision is off, and says so
    assert "square-root" in shown["learning_rate"]
    monkeypatch.setenv("HAWKEYE_ENV", "laptop")
    with pytest.raises(ValueError, match="local, hpc or cloud"):
        resolve()
