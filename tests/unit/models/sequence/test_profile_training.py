"""A profile's values reach the trainer: the loader's batch size, the Lightning precision."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pandas as pd
import pytest
import torch
from lightning.pytorch.callbacks import Callback

from hawkeye.config import ModelConfig
from hawkeye.models.sequence import SequenceModel
from hawkeye.models.sequence import trainer as trainer_module
from hawkeye.models.sequence.data import SequenceDataset
from hawkeye.models.sequence.names import resolve_params
from hawkeye.profiles import Profile, apply
from tests.sequence_synthetic import one_torch_thread, write_recordings  # noqa: F401

TINY = {"hidden": 8, "layers": 1, "max_epochs": 1, "val_fraction": 0.0, "max_len": 24}


def profile(**values) -> Profile:
    return Profile(name="hpc", data_root=Path("d"), model_root=Path("m"), **values)


class Steps(Callback):
    """The loader's batch size and workers, and the optimizer steps of the first epoch."""

    def __init__(self) -> None:
        self.batch_size, self.workers, self.steps = 0, -1, 0

    def on_train_start(self, trainer, pl_module) -> None:
        loader = trainer.train_dataloader
        self.batch_size, self.workers = loader.batch_size, loader.num_workers

    def on_train_batch_end(self, trainer, *args) -> None:
        self.steps += trainer.current_epoch == 0


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return write_recordings(tmp_path_factory.mktemp("prof") / "d", n_subjects=4, per_subject=4)


def test_a_fit_under_a_profile_trains_with_its_batch(
    table: pd.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    y = table["label"].to_numpy()
    cfg, _ = apply(
        profile(batch_size=4, precision="bf16-mixed", device="cpu", num_workers=1),
        ModelConfig(name="lstm_attention", params=TINY),
    )
    seen = Steps()
    with caplog.at_level(logging.WARNING, logger=trainer_module.__name__):
        model = SequenceModel("lstm_attention", params=cfg.params).fit(table, y, callbacks=[seen])
    assert seen.batch_size == 4 and seen.workers == 1
    assert seen.steps == math.ceil(len(table) / 4) == 4  # 16 recordings, batch 4
    info = model.fit_info_
    assert info["batch_size"] == 4 and info["num_workers"] == 1
    # bf16 is for GPUs: on the CPU the run falls back to 32 bit and says so
    assert info["precision"] == "32-true"
    assert "applies on CUDA only" in caplog.text
    # the default batch (32) takes the 16 recordings in one step
    default = Steps()
    SequenceModel("lstm_attention", params=TINY).fit(table, y, callbacks=[default])
    assert default.batch_size == 32 and default.steps == 1


class Stop(Exception):
    pass


@pytest.mark.parametrize(
    ("requested", "bf16", "expected"),
    [
        ("bf16-mixed", True, "bf16-mixed"),
        ("bf16-mixed", False, "16-mixed"),
        ("16-mixed", True, "16-mixed"),
    ],
)
def test_the_profiles_precision_reaches_the_lightning_trainer_on_cuda(
    monkeypatch: pytest.MonkeyPatch, requested: str, bf16: bool, expected: str
) -> None:
    """Without a GPU: the device is said to be CUDA and the Trainer only records its args."""
    seen: dict = {}

    def fake_trainer(**kwargs):
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(trainer_module, "pick_device", lambda requested: "cuda")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16)
    monkeypatch.setattr(trainer_module.L, "Trainer", fake_trainer)
    cfg, _ = apply(profile(precision=requested), ModelConfig(name="tcn"))
    data = SequenceDataset([torch.zeros(4, 3).numpy()], torch.zeros(1).numpy())
    with pytest.raises(Stop):
        trainer_module.train(lambda: None, data, None, resolve_params(cfg.params), 0)
    assert seen["precision"] == expected and seen["accelerator"] == "cuda"


def test_an_explicit_precision_still_wins_over_the_profiles() -> None:
    cfg, _ = apply(
        profile(precision="16-mixed"), ModelConfig(name="tcn", params={"precision": "32-true"})
    )
    p = resolve_params(cfg.params)
    assert (
        trainer_module.pick_precision(
            "cuda", p["mixed_precision"], p["precision"], p["gpu_precision"]
        )
        == "32-true"
    )
    assert trainer_module.pick_precision("cpu", True, None, None) == "32-true"  # today's default
