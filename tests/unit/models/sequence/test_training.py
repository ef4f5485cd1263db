"""Training loop: every architecture learns, resume after a kill, OOM retry, fine-tuning."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from lightning.pytorch.callbacks import Callback
from torch.nn import functional as F

from hawkeye.models.sequence import SequenceModel
from hawkeye.models.sequence.module import SequenceModule
from hawkeye.models.sequence.names import ARCHITECTURES
from hawkeye.models.sequence.nets import build_net
from hawkeye.models.sequence.trainer import pick_precision, with_oom_retry
from tests.sequence_synthetic import one_torch_thread, write_recordings  # noqa: F401

TINY = {
    "hidden": 16,
    "layers": 1,
    "heads": 2,
    "levels": 3,
    "kernel_size": 3,
    "dropout": 0.0,
    "batch_size": 8,
    "lr": 5e-3,
    "max_epochs": 12,
    "val_fraction": 0.0,
    "max_len": 40,
}


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return write_recordings(tmp_path_factory.mktemp("seq") / "d", n_subjects=8, per_subject=4)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_every_architecture_learns_the_score(arch: str, table: pd.DataFrame) -> None:
    y = table["label"].to_numpy()
    model = SequenceModel(arch, params=TINY).fit(table, y)
    score = model.predict(table)
    assert score.min() >= 0 and score.max() <= 4
    assert np.corrcoef(score, y)[0, 1] > 0.8
    info = model.fit_info_
    assert info["device"] == "cpu" and info["precision"] == "32-true"
    assert info["epochs"] == TINY["max_epochs"] and info["samples_per_s"] > 0
    assert info["wall_s"] > 0 and info["n_train"] == len(table)


def test_classification_head_with_mixup_and_label_smoothing(table: pd.DataFrame) -> None:
    y = table["label"].to_numpy()
    params = {**TINY, "mixup": 0.4, "label_smoothing": 0.1, "max_epochs": 20}
    model = SequenceModel("tcn", "ordinal_classification", params).fit(table, y)
    proba = model.predict_proba(table)
    assert list(proba.columns) == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert np.corrcoef(model.predict(table), y)[0, 1] > 0.7
    label = SequenceModel("tcn", "classification", params).fit(table, y).predict(table)
    assert set(np.unique(label)) <= set(range(5))


def test_loss_uses_inverse_frequency_class_weights() -> None:
    torch.manual_seed(0)
    weights = np.array([0.5, 2.0, 4.0], dtype=np.float32)
    module = SequenceModule(
        build_net("tcn", 4, 3, hidden=8, dropout=0.0, kernel_size=3, levels=1),
        "classification", 1e-3, 0.0, 0.0, class_weights=weights,
    )  # fmt: skip
    x, mask, y = (
        torch.randn(6, 10, 4),
        torch.ones(6, 10, dtype=torch.bool),
        torch.tensor([0, 0, 0, 0, 1, 2]),
    )
    logits = module.net(x, mask)
    per = F.cross_entropy(logits, y, reduction="none")
    w = torch.from_numpy(weights)[y]
    expected = (per * w).sum() / w.sum()
    torch.testing.assert_close(module.loss(x, mask, y, train=False), expected)
    # regression: targets carry each recording's weight
    reg = SequenceModule(
        build_net("tcn", 4, 1, hidden=8, dropout=0.0, kernel_size=3, levels=1),
        "regression",
        1e-3,
        0.0,
        0.0,
    )
    t = torch.stack([torch.randn(6), w], dim=1)
    out = reg.net(x, mask).squeeze(-1)
    torch.testing.assert_close(
        reg.loss(x, mask, t, train=False), ((out - t[:, 0]) ** 2 * w).sum() / w.sum()
    )


class Kill(Callback):
    """Stands in for SIGKILL: the process dies at the start of epoch ``at``."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        if trainer.current_epoch == self.at:
            raise RuntimeError("killed")


def test_resume_after_kill_ends_with_the_weights_of_an_uninterrupted_run(
    table: pd.DataFrame, tmp_path: Path
) -> None:
    y = table["label"].to_numpy()
    # dropout and mixup draw random numbers every step: the RNG state must survive the kill
    params = {
        **TINY,
        **{"max_epochs": 6, "dropout": 0.2, "mixup": 0.4, "val_fraction": 0.25, "patience": 50},
    }
    straight = SequenceModel(
        "transformer", params={**params, "checkpoint_dir": str(tmp_path / "a")}
    )
    straight.fit(table, y)

    model = SequenceModel("transformer", params={**params, "checkpoint_dir": str(tmp_path / "b")})
    with pytest.raises(RuntimeError, match="killed"):
        model.fit(table, y, callbacks=[Kill(at=3)])
    model.fit(table, y)  # a new process would do the same: same data, same settings
    assert model.fit_info_["resumed_from"].endswith("last.ckpt")
    assert model.fit_info_["epochs_this_call"] == 3 and model.fit_info_["epochs"] == 6
    assert model.fit_info_["best_epoch"] == straight.fit_info_["best_epoch"]
    for name, value in straight.state_.items():
        np.testing.assert_allclose(model.state_[name], value, rtol=1e-5, atol=1e-6, err_msg=name)

    again = SequenceModel("transformer", params={**params, "checkpoint_dir": str(tmp_path / "b")})
    again.fit(table, y)  # finished before: nothing to train
    assert "reused" in again.fit_info_
    np.testing.assert_array_equal(again.predict(table), model.predict(table))
    other_fold = table.iloc[4:]
    SequenceModel(
        "transformer", params={**params, "max_epochs": 1, "checkpoint_dir": str(tmp_path / "b")}
    ).fit(other_fold, other_fold["label"].to_numpy())
    assert len(list((tmp_path / "b").iterdir())) == 2  # other data, own run folder

    # a Lightning checkpoint is a fine-tuning start too, with its input scaling
    last = Path(model.fit_info_["resumed_from"])
    tuned = SequenceModel("transformer", params={**params, "init_checkpoint": str(last)})
    tuned.set_params(params={**tuned.params, "preset": "finetune", "max_epochs": 1})
    tuned.fit(other_fold, other_fold["label"].to_numpy())
    np.testing.assert_array_equal(tuned.mean_, model.mean_)


def test_oom_halves_the_batch_and_doubles_accumulation(caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    def run(batch: int, acc: int) -> str:
        calls.append((batch, acc))
        if batch > 8:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return "done"

    with caplog.at_level(logging.WARNING):
        result, batch, acc, retries = with_oom_retry(run, 32, 1)
    assert (result, batch, acc, retries) == ("done", 8, 4, 2)
    assert calls == [(32, 1), (16, 2), (8, 4)]
    assert all(b * a == 32 for b, a in calls)
    assert "retrying with batch 16 x accumulation 2" in caplog.text

    def broken(batch: int, acc: int) -> None:
        raise ValueError("not memory")

    with pytest.raises(ValueError):
        with_oom_retry(broken, 32, 1)

    def always(batch: int, acc: int) -> None:
        raise RuntimeError("CUDA error: out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        with_oom_retry(always, 4, 1)  # down to batch 1, then it gives up


class OOMAbove(Callback):
    """Simulates a card that holds at most ``limit`` recordings a batch."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if len(batch[0]) > self.limit:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")


def test_estimator_retries_out_of_memory_with_the_same_effective_batch(table: pd.DataFrame) -> None:
    params = {**TINY, "batch_size": 16, "accumulate": 1, "max_epochs": 2}
    model = SequenceModel("tcn", params=params).fit(
        table, table["label"].to_numpy(), callbacks=[OOMAbove(4)]
    )
    info = model.fit_info_
    assert (info["batch_size"], info["accumulate"], info["oom_retries"]) == (4, 4, 2)
    assert info["effective_batch"] == 16


def test_finetune_preset_starts_from_saved_weights(table: pd.DataFrame, tmp_path: Path) -> None:
    y = table["label"].to_numpy()
    base = SequenceModel("tcn", params=TINY).fit(table, y)
    path = base.save_weights(tmp_path / "tcn.pt")
    params = {
        **TINY,
        "preset": "finetune",
        "init_checkpoint": str(path),
        "max_epochs": 1,
        "lr": 1e-9,
    }
    tuned = SequenceModel("tcn", params=params).fit(table, y)
    # a vanishing learning rate: the fine-tuned model is still the saved one
    np.testing.assert_allclose(tuned.predict(table), base.predict(table), atol=1e-3)
    np.testing.assert_array_equal(tuned.mean_, base.mean_)  # and scales inputs the same way
    scratch = SequenceModel("tcn", params={**TINY, "max_epochs": 1, "lr": 1e-9}).fit(table, y)
    assert np.abs(scratch.predict(table) - base.predict(table)).max() > 1e-2
    # a head of another size (classification) is new; the encoder still loads
    cls = SequenceModel("tcn", "classification", params).fit(table, y)
    assert cls.predict_proba(table).shape == (len(table), 5)


def test_precision_follows_the_device() -> None:
    assert pick_precision("cpu") == "32-true"
    assert pick_precision("mps") == "32-true"
    assert pick_precision("cuda", mixed=False) == "32-true"
    if torch.cuda.is_available():
        assert pick_precision("cuda") in ("bf16-mixed", "16-mixed")
    assert pick_precision("cpu", explicit="bf16-mixed") == "bf16-mixed"


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_mixed_precision_path_trains_every_architecture(arch: str, table: pd.DataFrame) -> None:
    """bf16 autocast on the CPU runs the code a GPU's mixed precision runs (masks, softmax,
    losses under autocast); the figures must stay finite and the score still learnt."""
    y = table["label"].to_numpy()
    model = SequenceModel(arch, params={**TINY, "precision": "bf16-mixed"}).fit(table, y)
    assert model.fit_info_["precision"] == "bf16-mixed"
    score = model.predict(table)
    assert np.isfinite(score).all()
    assert np.corrcoef(score, y)[0, 1] > 0.7


class Spy(Callback):
    """Records what the loss is given: class weights and the first batch's targets."""

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if batch_idx == 0 and trainer.current_epoch == 0:
            self.weights = pl_module.class_weights
            self.targets = batch[2]


def test_estimator_weights_rare_scores_up(table: pd.DataFrame) -> None:
    y = np.where(np.arange(len(table)) < 24, 0, np.where(np.arange(len(table)) < 30, 2, 4))
    params = {**TINY, "max_epochs": 1, "batch_size": 64}
    spy = Spy()
    SequenceModel("tcn", "classification", params).fit(table, y, callbacks=[spy])
    np.testing.assert_allclose(spy.weights.numpy(), [32 / (3 * 24), 32 / (3 * 6), 32 / (3 * 2)])
    model = SequenceModel("tcn", params=params)
    model.fit(table, y, callbacks=[spy])
    score = spy.targets[:, 0].numpy() * model.label_std_ + model.label_mean_
    expected = {0: 32 / 72, 2: 32 / 18, 4: 32 / 6}
    np.testing.assert_allclose(spy.targets[:, 1], [expected[round(s)] for s in score], rtol=1e-5)
    SequenceModel("tcn", params={**params, "class_weights": False}).fit(table, y, callbacks=[spy])
    assert (spy.targets[:, 1] == 1).all()
