"""From a recordings table to padded tensors: loading, motion channels, length, batches.

The table is the one the classical models get, with its ``source`` column (a
``.npy``/``.npz`` landmark file a row) and, when present, ``layout`` and
``fps``. Each recording becomes ``[time, joints * channels]`` from
:func:`hawkeye.features.motion.motion_channels`; a recording longer than
``max_len`` is resampled (or centre-cropped) to it, shorter ones are padded
in the batch and masked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset, Sampler

from hawkeye.data import formats
from hawkeye.features.motion import motion_channels
from hawkeye.landmarks.sequence import JOINT_LAYOUTS, LandmarkError
from hawkeye.models.sequence.augment import Augment

DEFAULT_FPS = 30.0


def infer_layout(path: Path) -> str:
    """The first named layout with the file's joint count (exact for MediaPipe hands/pose)."""
    if path.suffix == ".npz":
        with np.load(path) as z:
            shape = z["points"].shape
    else:
        shape = np.load(path, mmap_mode="r").shape
    for name, joints in JOINT_LAYOUTS.items():
        if len(shape) == 3 and shape[1] == joints:
            return name
    raise LandmarkError(f"{path.name}: no known joint layout has shape {shape}; give `layout`")


def load_arrays(
    X: pd.DataFrame,
    velocity: bool,
    acceleration: bool,
    centre: str = "frame",
    scale: str = "body",
    view: str = "none",
) -> list[np.ndarray]:
    """One float32 ``[time, joints * channels]`` array a row, read from ``X['source']``.

    ``centre`` / ``scale`` / ``view``: :class:`hawkeye.features.preprocess.Preprocess`.
    """
    return load_recordings(X, velocity, acceleration, centre, scale, view)[0]


def load_recordings(
    X: pd.DataFrame,
    velocity: bool,
    acceleration: bool,
    centre: str = "frame",
    scale: str = "body",
    view: str = "none",
) -> tuple[list[np.ndarray], list[str]]:
    """:func:`load_arrays` and each recording's joint layout (what a graph net needs).

    The features of a frame are joint-major: joint ``j``'s channel ``c`` is column
    ``j * channels + c``.
    """
    if "source" not in X.columns:
        raise ValueError("a sequence model reads landmark files: the table needs `source`")
    out, layouts = [], []
    for _, row in X.iterrows():
        # One reader for every recording (hawkeye.data.formats), as the landmark step uses.
        seq = formats.load_recording(row, default_layout=infer_layout, default_fps=DEFAULT_FPS)
        ch = motion_channels(seq, velocity, acceleration, centre, scale, view)
        out.append(ch.reshape(ch.shape[0], -1))
        layouts.append(seq.layout)
    return out, layouts


def fit_length(x: np.ndarray, max_len: int, policy: str = "resample") -> np.ndarray:
    """At most ``max_len`` frames: linear resampling of the whole recording, or its centre."""
    n = len(x)
    if n <= max_len:
        return x
    if policy == "crop":
        start = (n - max_len) // 2
        return x[start : start + max_len]
    if policy != "resample":
        raise ValueError(f"length_policy must be 'resample' or 'crop', got {policy!r}")
    t = np.linspace(0, n - 1, max_len)
    lo = np.floor(t).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = (t - lo)[:, None]
    return ((1 - w) * x[lo] + w * x[hi]).astype(np.float32)


def channel_stats(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and standard deviation over every frame of the training recordings."""
    frames = np.concatenate(arrays, axis=0).astype(np.float64)
    std = frames.std(axis=0)
    return frames.mean(axis=0).astype(np.float32), np.where(std > 1e-6, std, 1.0).astype(np.float32)


class SequenceDataset(Dataset):
    """Standardised recordings and their float targets (class index, score or zeros)."""

    augmented = False

    def __init__(self, arrays: list[np.ndarray], targets: np.ndarray) -> None:
        self.arrays = [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in arrays]
        self.targets = torch.as_tensor(np.asarray(targets))

    def __len__(self) -> int:
        return len(self.arrays)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.arrays[i], self.targets[i]


class AugmentedDataset(Dataset):
    """Training recordings augmented afresh each epoch, then standardised.

    ``arrays`` are the recordings *before* standardisation (``mean`` / ``std``: the
    training frames' statistics). Items are ``(index, epoch)`` pairs, as an
    :class:`EpochSampler` with ``with_epoch=True`` yields them: the draw of recording
    ``i`` in epoch ``e`` comes from ``(seed, e, i)`` alone (worker processes and a
    resumed run draw the same).
    """

    augmented = True

    def __init__(
        self,
        arrays: list[np.ndarray],
        targets: np.ndarray,
        augment: Augment,
        mean: np.ndarray,
        std: np.ndarray,
        seed: int,
    ) -> None:
        self.arrays, self.augment, self.seed = arrays, augment, seed
        self.mean, self.std = np.asarray(mean), np.asarray(std)
        self.targets = torch.as_tensor(np.asarray(targets))

    def __len__(self) -> int:
        return len(self.arrays)

    def __getitem__(self, key: int | tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        i, epoch = key if isinstance(key, tuple) else (key, 0)
        rng = np.random.default_rng([self.seed, epoch, i])
        x = (self.augment(self.arrays[i], rng) - self.mean) / self.std
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), self.targets[i]


def collate(
    batch: list[tuple[torch.Tensor, torch.Tensor]],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``x [B, T, F]`` zero-padded at the end, ``mask [B, T]`` (True = real frame), targets."""
    lengths = torch.tensor([len(x) for x, _ in batch])
    x = torch.zeros(len(batch), int(lengths.max()), batch[0][0].shape[1])
    for i, (seq, _) in enumerate(batch):
        x[i, : len(seq)] = seq
    mask = torch.arange(x.shape[1])[None, :] < lengths[:, None]
    return x, mask, torch.stack([t for _, t in batch])


class EpochSampler(Sampler):
    """A permutation drawn from ``(seed, epoch)`` alone, so a resumed run sees the same order.

    Lightning calls ``set_epoch`` at the start of every training epoch. ``with_epoch``:
    yield ``(index, epoch)`` pairs (what an :class:`AugmentedDataset` draws from).
    """

    def __init__(self, n: int, seed: int, shuffle: bool = True, with_epoch: bool = False) -> None:
        self.n, self.seed, self.shuffle, self.epoch = n, seed, shuffle, 0
        self.with_epoch = with_epoch

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[Any]:
        order = range(self.n)
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(self.n).tolist()
        if self.with_epoch:
            return iter([(int(i), self.epoch) for i in order])
        return iter(order)

    def __len__(self) -> int:
        return self.n


def subject_holdout(
    subjects: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, validation): whole subjects go to validation, never single rows.

    At least one subject is held out when ``fraction > 0`` and three or more exist;
    otherwise validation is empty (and early stopping has nothing to watch).
    """
    subjects = np.asarray(subjects).astype(str)
    unique = np.unique(subjects)
    n_val = max(1, round(fraction * len(unique))) if fraction > 0 and len(unique) >= 3 else 0
    held = np.random.default_rng(seed).permutation(unique)[:n_val]
    val = np.isin(subjects, held)
    return np.flatnonzero(~val), np.flatnonzero(val)


def inverse_frequency(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Classes in ``y`` and weights ``n / (n_classes * n_c)``: every class weighs the same in all.

    The mean weight over the recordings is 1, so the loss keeps its scale.
    """
    classes, counts = np.unique(np.asarray(y), return_counts=True)
    return classes, (len(y) / (len(classes) * counts)).astype(np.float32)
