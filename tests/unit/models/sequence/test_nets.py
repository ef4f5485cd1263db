"""Sequence networks and their input plumbing: masks, lengths, batches, schedules."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
import torch

from hawkeye.models.sequence.data import (
    EpochSampler,
    collate,
    fit_length,
    inverse_frequency,
    subject_holdout,
)
from hawkeye.models.sequence.module import warmup_cosine
from hawkeye.models.sequence.names import ARCHITECTURES, GRAPH_ARCHITECTURES, resolve_params
from hawkeye.models.sequence.nets import build_net
from hawkeye.models.sequence.oneclass import AutoencoderNet
from hawkeye.models.sequence.stgcn import adjacency
from tests.sequence_synthetic import one_torch_thread  # noqa: F401

SMALL = {"hidden": 16, "layers": 2, "dropout": 0.1, "heads": 2, "kernel_size": 3, "levels": 3}


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_padding_does_not_change_a_recordings_output(arch: str) -> None:
    torch.manual_seed(0)
    # a graph net reads 6 features as 2 joints x 3 channels, one bone between them
    graph = {"adjacency": adjacency(2, (-1, 0), (0,))} if arch in GRAPH_ARCHITECTURES else {}
    net = build_net(arch, in_dim=6, out_dim=3, **SMALL, **graph).eval()
    short, long = torch.randn(11, 6), torch.randn(30, 6)
    x, mask, _ = collate([(short, torch.tensor(0)), (long, torch.tensor(0))])
    assert mask.sum(1).tolist() == [11, 30] and x.shape == (2, 30, 6)
    with torch.no_grad():
        batched = net(x, mask)
        alone = net(short[None], torch.ones(1, 11, dtype=torch.bool))
        # garbage in the padded frames must not leak either
        x_noisy = x.clone()
        x_noisy[0, 11:] = 100.0
        noisy = net(x_noisy, mask)
    assert batched.shape == (2, 3)
    torch.testing.assert_close(batched[0], alone[0], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(noisy[0], alone[0], atol=1e-5, rtol=1e-4)


def test_autoencoder_reconstruction_ignores_padding() -> None:
    torch.manual_seed(0)
    net = AutoencoderNet(6, hidden=16, latent=4, layers=1, dropout=0.0).eval()
    short, long = torch.randn(9, 6), torch.randn(20, 6)
    x, mask, _ = collate([(short, torch.tensor(0.0)), (long, torch.tensor(0.0))])
    with torch.no_grad():
        batched = net(x, mask)
        alone = net(short[None], torch.ones(1, 9, dtype=torch.bool))
    assert batched.shape == x.shape
    torch.testing.assert_close(batched[0, :9], alone[0], atol=1e-5, rtol=1e-4)


def test_transformer_rejects_heads_that_do_not_divide_hidden() -> None:
    with pytest.raises(ValueError, match="multiple of heads"):
        build_net("transformer", 6, 1, hidden=10, layers=1, dropout=0.0, heads=4)
    with pytest.raises(ValueError, match="unknown architecture"):
        build_net("gru", 6, 1)


def test_long_recordings_are_resampled_or_cropped_to_max_len() -> None:
    x = np.arange(100, dtype=np.float32)[:, None] * np.ones((1, 2), dtype=np.float32)
    assert fit_length(x, 120) is x
    res = fit_length(x, 10)
    assert res.shape == (10, 2) and res[0, 0] == 0 and res[-1, 0] == 99  # whole recording
    crop = fit_length(x, 10, "crop")
    assert crop[:, 0].tolist() == list(range(45, 55))  # its centre
    with pytest.raises(ValueError, match="length_policy"):
        fit_length(x, 10, "squash")


def test_inverse_frequency_class_weights() -> None:
    y = np.array([0] * 6 + [1] * 3 + [4] * 1)
    classes, w = inverse_frequency(y)
    assert classes.tolist() == [0, 1, 4]
    np.testing.assert_allclose(w, [10 / (3 * 6), 10 / (3 * 3), 10 / (3 * 1)], rtol=1e-6)
    per_sample = w[np.searchsorted(classes, y)]
    assert per_sample.mean() == pytest.approx(1.0)  # the loss keeps its scale
    # every class carries the same total weight
    totals = [per_sample[y == c].sum() for c in classes]
    np.testing.assert_allclose(totals, totals[0], rtol=1e-6)


def test_validation_split_holds_out_whole_subjects() -> None:
    subjects = np.repeat([f"S{i}" for i in range(10)], 3)
    train, val = subject_holdout(subjects, 0.2, seed=1)
    assert len(set(subjects[val])) == 2 and not set(subjects[val]) & set(subjects[train])
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(30))
    again = subject_holdout(subjects, 0.2, seed=1)
    assert np.array_equal(again[1], val)
    assert len(subject_holdout(subjects[:6], 0.2, seed=1)[1]) == 0  # 2 subjects: no holdout
    assert len(subject_holdout(subjects, 0.0, seed=1)[1]) == 0


def test_epoch_sampler_order_depends_on_seed_and_epoch_only() -> None:
    a, b = EpochSampler(20, seed=3), EpochSampler(20, seed=3)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first and sorted(a) == list(range(20))
    b.set_epoch(1)
    assert list(b) == list(a)  # a fresh (resumed) sampler at epoch 1 draws the same order


def test_warmup_then_cosine() -> None:
    f = [warmup_cosine(s, total=100, warmup=10) for s in range(100)]
    assert f[0] == pytest.approx(0.1) and f[9] == pytest.approx(1.0)
    assert all(a < b for a, b in pairwise(f[:10]))  # linear warmup
    assert all(a >= b for a, b in pairwise(f[10:]))  # cosine decay
    assert f[55] == pytest.approx(0.5, abs=0.02) and f[-1] < 0.01


def test_presets_and_unknown_parameters() -> None:
    assert resolve_params({"preset": "finetune"})["lr"] == 1e-4
    assert resolve_params({"preset": "finetune", "lr": 3e-4})["lr"] == 3e-4  # caller wins
    assert resolve_params(None)["lr"] == 1e-3
    with pytest.raises(ValueError, match="hiden"):
        resolve_params({"hiden": 3})
    with pytest.raises(ValueError, match="preset"):
        resolve_params({"preset": "fast"})
