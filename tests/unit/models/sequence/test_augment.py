"""Training-time augmentation of the sequence nets: off changes nothing, on is seeded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from hawkeye.models.sequence import SequenceModel
from hawkeye.models.sequence.augment import Augment, check_params
from hawkeye.models.sequence.data import AugmentedDataset, EpochSampler, SequenceDataset
from hawkeye.models.sequence.names import resolve_params
from tests.sequence_synthetic import one_torch_thread, write_recordings  # noqa: F401

ON = {"augment_rotation": 30.0, "augment_scale": 0.2, "augment_crop": 0.3, "augment_warp": 0.3}


def _recording(frames: int = 50, joints: int = 4) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.normal(size=(frames, joints * 6)).astype(np.float32)  # x y z vx vy vz a joint


def test_off_is_the_identity_and_on_is_deterministic() -> None:
    x = _recording()
    off = Augment.from_params(resolve_params({}))
    assert not off.active and off(x, np.random.default_rng(0)) is x
    on = Augment.from_params(resolve_params(ON))
    a, b = on(x, np.random.default_rng([0, 1, 2])), on(x, np.random.default_rng([0, 1, 2]))
    np.testing.assert_array_equal(a, b)
    assert a.shape[1] == x.shape[1] and 35 <= len(a) <= 50 and not np.allclose(a[:35], x[:35])
    other = on(x, np.random.default_rng([0, 2, 2]))  # another epoch: another draw
    assert other.shape != a.shape or not np.allclose(a, other)


def test_rotation_turns_positions_and_velocities_alike() -> None:
    x = _recording(frames=10, joints=1)
    out = Augment(rotation=90.0, orders=(0, 1))(x, np.random.default_rng(3))
    j = x.reshape(10, 2, 3)
    o = out.reshape(10, 2, 3)
    np.testing.assert_allclose(o[..., 1], j[..., 1], atol=1e-6)  # y is the vertical axis
    np.testing.assert_allclose(
        np.hypot(o[..., 0], o[..., 2]), np.hypot(j[..., 0], j[..., 2]), rtol=1e-5
    )
    angle = np.arctan2(o[..., 2], o[..., 0]) - np.arctan2(j[..., 2], j[..., 0])
    np.testing.assert_allclose(np.cos(angle), np.cos(angle[0, 0]), atol=1e-5)  # one turn


def test_warp_scales_velocities_by_the_local_speed() -> None:
    t = np.linspace(0, 1, 60)
    pos = np.stack([t, 0 * t, 0 * t], axis=1)  # x = t: unit speed, velocity 1
    vel = np.tile([1.0, 0.0, 0.0], (60, 1))
    x = np.concatenate([pos, vel], axis=1).astype(np.float32)
    out = Augment(warp=0.5, orders=(0, 1))(x, np.random.default_rng(5))
    speed = np.gradient(out[:, 0]) / np.gradient(t)  # the warped positions' own velocity
    np.testing.assert_allclose(out[2:-2, 3], speed[2:-2], rtol=0.05)
    assert out[0, 0] == pytest.approx(0) and out[-1, 0] == pytest.approx(1)


def test_bad_knobs_fail_by_name() -> None:
    with pytest.raises(ValueError, match="augment_crop"):
        check_params({"augment_crop": 1.0})
    with pytest.raises(ValueError, match="augment_rotation"):
        resolve_params({"augment_rotation": -5})


def test_dataset_draws_from_seed_epoch_and_index() -> None:
    arrays = [_recording(), _recording(40)]
    mean, std = np.zeros(24, np.float32), np.ones(24, np.float32)
    on = Augment.from_params(resolve_params(ON))
    data = AugmentedDataset(arrays, np.zeros(2), on, mean, std, seed=7)
    first, again = data[(1, 0)][0], data[(1, 0)][0]
    torch.testing.assert_close(first, again)
    assert first.shape != data[(1, 3)][0].shape or not torch.equal(first, data[(1, 3)][0])
    sampler = EpochSampler(2, 0, with_epoch=True)
    sampler.set_epoch(4)
    assert sorted(sampler) == [(0, 4), (1, 4)]
    plain = SequenceDataset(arrays, np.zeros(2))
    torch.testing.assert_close(plain[0][0], torch.from_numpy(arrays[0]))


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return write_recordings(tmp_path_factory.mktemp("aug") / "d", n_subjects=4, per_subject=3)


def test_augmentation_changes_training_only(table: pd.DataFrame, monkeypatch) -> None:
    seen: list[type] = []
    import hawkeye.models.sequence.base as base

    real = base.train

    def spy(make_module, train_set, *args, **kwargs):
        seen.append(type(train_set))
        return real(make_module, train_set, *args, **kwargs)

    monkeypatch.setattr(base, "train", spy)
    tiny = {"hidden": 8, "layers": 1, "max_epochs": 2, "val_fraction": 0.0, "max_len": 30}
    y = table["label"].to_numpy()
    plain = SequenceModel("tcn", params=tiny).fit(table, y)
    aug = SequenceModel("tcn", params={**tiny, **ON}).fit(table, y)
    again = SequenceModel("tcn", params={**tiny, **ON}).fit(table, y)
    assert seen == [SequenceDataset, AugmentedDataset, AugmentedDataset]
    np.testing.assert_allclose(aug.predict(table), again.predict(table), atol=1e-6)  # seeded
    assert not np.allclose(aug.predict(table), plain.predict(table))
    # predict reads the recordings as they are: the same inputs as the plain model's
    np.testing.assert_array_equal(
        aug._arrays(table, resolve_params(aug.params))[0],
        plain._arrays(table, resolve_params(plain.params))[0],
    )


def test_rotation_and_scale_leave_non_positional_entries_alone() -> None:
    x = _recording(frames=12, joints=3)  # joint 2: angles
    aug = Augment(rotation=60.0, scale=0.3, orders=(0, 1), fixed=(2,))
    out = aug(x, np.random.default_rng(1))
    np.testing.assert_array_equal(out[:, 12:], x[:, 12:])
    assert not np.allclose(out[:, :12], x[:, :12])
    assert Augment.from_params(resolve_params(ON), ["uiprmd_kinect_22_absolute_angles"]).fixed == (
        tuple(range(22, 44))
    )


def test_new_keys_enter_the_checkpoint_key_only_when_set() -> None:
    from hawkeye.models.sequence.base import SequenceEstimator

    est = SequenceEstimator()
    est.random_state = 0
    X = pd.DataFrame({"source": ["a.npy", "b.npy"]})
    y, groups = np.array([0, 1]), np.array(["s1", "s2"])
    plain = est._key(X, y, groups, resolve_params({}))
    same = est._key(X, y, groups, resolve_params({"view": "none", "augment_crop": 0.0}))
    assert plain == same
    assert plain != est._key(X, y, groups, resolve_params({"view": "canonical"}))
    assert plain != est._key(X, y, groups, resolve_params({"augment_crop": 0.2}))
