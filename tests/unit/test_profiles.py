"""Environment profiles: which values a profile sets, when the configuration wins, logging."""

import math
from pathlib import Path

import pytest

from hawkeye.config import ModelConfig
from hawkeye.models import registry
from hawkeye.models.sequence.names import DEFAULTS
from hawkeye.profiles import REFERENCE_BATCH, Profile, apply, describe, resolve

BASE = DEFAULTS["lr"]


def hpc(**overrides) -> Profile:
    """The hpc preset with a fixed core count (resolve's depends on the machine)."""
    values = {"batch_size": 128, "precision": "bf16-mixed", "device": "auto", "num_workers": 8}
    values |= {"cpus": 4, **overrides}
    return Profile(name="hpc", data_root=Path("d"), model_root=Path("m"), **values)


@pytest.fixture(autouse=True)
def no_profile_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HAWKEYE_ENV", "HAWKEYE_DEVICE", "SLURM_CPUS_PER_TASK"):
        monkeypatch.delenv(var, raising=False)


def test_the_rule_is_calibrated_at_the_nets_default_batch() -> None:
    assert DEFAULTS["batch_size"] == REFERENCE_BATCH  # so the default lr is the rule's base


def test_hpc_sets_the_batch_and_scales_the_learning_rate_by_its_square_root() -> None:
    cfg = ModelConfig(name="lstm_attention", params={"hidden": 16})
    out, applied = apply(hpc(), cfg)
    # batch 128 = 4 x 32: lr = 1e-3 * sqrt(4) = 2e-3
    assert applied.changed == {
        "batch_size": 128,
        "gpu_precision": "bf16-mixed",
        "device": "auto",
        "num_workers": 8,
        "lr": pytest.approx(2e-3),
    }
    assert out.params == {"hidden": 16, **applied.changed} and applied.kept == {}
    assert cfg.params == {"hidden": 16}  # the caller's configuration is left alone
    assert applied.params() == {
        "profile": "hpc",
        "profile.batch_size": 128,
        "profile.gpu_precision": "bf16-mixed",
        "profile.device": "auto",
        "profile.num_workers": 8,
        "profile.lr": pytest.approx(2e-3),
    }


def test_an_explicit_batch_wins_and_keeps_the_learning_rate_out_of_the_rule() -> None:
    cfg = ModelConfig(name="tcn", params={"batch_size": 16, "lr": 5e-3})
    out, applied = apply(hpc(), cfg)
    assert out.params["batch_size"] == 16 and out.params["lr"] == 5e-3
    assert "lr" not in applied.changed and applied.kept == {"batch_size": 16}
    assert out.params["gpu_precision"] == "bf16-mixed"  # what it does not name still applies
    assert applied.params()["profile.config_wins"] == "batch_size"


def test_the_base_lr_is_the_configured_or_the_presets() -> None:
    explicit = apply(hpc(), ModelConfig(name="tcn", params={"lr": 5e-3}))[0]
    assert explicit.params["lr"] == pytest.approx(1e-2)  # 5e-3 * sqrt(128 / 32)
    finetune = apply(hpc(), ModelConfig(name="tcn", params={"preset": "finetune"}))[0]
    assert finetune.params["lr"] == pytest.approx(2e-4)  # the preset's 1e-4, doubled
    cloud = apply(hpc(batch_size=64), ModelConfig(name="transformer"))[0]
    assert cloud.params["lr"] == pytest.approx(BASE * math.sqrt(2))


def test_autoencoder_and_explicit_precision_keys() -> None:
    cfg = ModelConfig(name="autoencoder", params={"normal_label": 0, "num_workers": 0})
    out, applied = apply(hpc(), cfg)
    assert out.params["normal_label"] == 0 and out.params["batch_size"] == 128
    assert applied.kept == {"num_workers": 0} and out.params["num_workers"] == 0


def test_tree_models_get_the_cores_others_nothing() -> None:
    forest, applied = apply(hpc(), ModelConfig(name="random_forest"))
    assert forest.params == {"n_jobs": 4} and applied.params() == {
        "profile": "hpc",
        "profile.n_jobs": 4,
    }
    assert apply(hpc(), ModelConfig(name="xgboost"))[0].params == {"n_jobs": 4}
    kept, applied = apply(hpc(), ModelConfig(name="random_forest", params={"n_jobs": 1}))
    assert kept.params == {"n_jobs": 1} and applied.kept == {"n_jobs": 1}
    ordinal = ModelConfig(name="ordinal_logistic")
    out, applied = apply(hpc(), ordinal)
    assert out is ordinal and applied.changed == {} and applied.params() == {"profile": "hpc"}


def test_sequence_readers_that_are_no_torch_net_get_cores_not_batches() -> None:
    """aeon's rockets read landmark files like the nets but take no batch, lr or precision."""
    rocket, applied = apply(hpc(), ModelConfig(name="minirocket", params={"length": 64}))
    assert rocket.params == {"length": 64, "n_jobs": 4}
    assert applied.changed == {"n_jobs": 4}


def test_local_changes_nothing_for_any_model() -> None:
    local = resolve()
    assert local.name == "local"
    for name in registry.names():
        cfg = ModelConfig(name=name)
        out, applied = apply(local, cfg)
        assert out is cfg and applied.changed == {} and applied.kept == {}
        assert applied.params() == {"profile": "local"}


def test_profiles_scale_the_learning_rate_with_the_batch() -> None:
    local, hpc_, cloud = resolve(), resolve("hpc"), resolve("cloud")
    assert local.batch_size is None and local.learning_rate(1e-3) == 1e-3
    assert hpc_.learning_rate(1e-3) == pytest.approx(2e-3)
    assert cloud.learning_rate(1e-3) == pytest.approx(1e-3 * math.sqrt(64 / REFERENCE_BATCH))


def test_environment_selects_profile_paths_cores_and_device(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HAWKEYE_ENV", "hpc")
    monkeypatch.setenv("HAWKEYE_DATA_ROOT", str(tmp_path))
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "1")  # a job's allocation caps the cores
    profile = resolve()
    assert profile.name == "hpc" and profile.data_root == tmp_path
    assert profile.cpus == 1 and profile.num_workers == 1 and profile.device == "auto"
    monkeypatch.setenv("HAWKEYE_DEVICE", "cpu")
    assert resolve().device == "cpu" and resolve("local").device == "cpu"
    monkeypatch.setenv("HAWKEYE_ENV", "laptop")
    with pytest.raises(ValueError, match="local, hpc or cloud"):
        resolve()


def test_describe_says_what_a_run_applies() -> None:
    shown = describe(resolve("hpc"))
    if "cuda" not in shown["device"]:  # no CUDA: mixed precision is off, and says so
        assert shown["precision"].startswith("32")
    assert "square-root" in shown["learning_rate"]
    assert "batch_size=128" in shown["a run applies"] and "lr=0.002" in shown["a run applies"]
    assert "n_jobs" in shown["a run applies"]
    assert describe(resolve("local"))["a run applies"].startswith("nothing")
