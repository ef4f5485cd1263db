"""Tiny landmark recordings with a learnable signal, written as the synthetic datasets are.

Each recording is an 8-joint skeleton (layout ``natops_8``) at rest with small
noise; joint 0 oscillates with an amplitude proportional to ``label`` (0-4), so
a sequence model can read the score from the motion. For the one-class tests
(``anomalous`` given) a recording is one repetition of an exercise: joint 0
makes one full swing over the recording and joint 5 swings vertically with
it, in phase in a correct execution and in antiphase in an incorrect one, so
every channel alone looks alike in both; only the coordination differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

LAYOUT = "natops_8"
FPS = 30.0
_TEMPLATE = np.array(
    [
        [0, 0, 0],
        [1, 0, 0],
        [0, 1, 0],
        [1, 1, 0],
        [0.5, 2, 0],
        [-0.5, 1, 0],
        [1.5, 1, 0],
        [0.5, 0.5, 0],
    ],
    dtype=np.float64,
)


def recording(
    label: int, n_frames: int, rng: np.random.Generator, anomaly: bool | None = None
) -> np.ndarray:
    """float32 ``[n_frames, 8, 3]``; ``anomaly`` None: no second joint moves."""
    t = np.arange(n_frames) / FPS
    pts = np.repeat(_TEMPLATE[None], n_frames, axis=0) + rng.normal(0, 0.01, (n_frames, 8, 3))
    freq, phase = rng.uniform(1.5, 2.5), rng.uniform(0, 2 * np.pi)
    if anomaly is not None:  # one repetition
        freq, phase = FPS / n_frames, 0.0
    pts[:, 0, 0] += (0.05 + 0.12 * label) * np.sin(2 * np.pi * freq * t + phase)
    if anomaly is not None:
        pts[:, 5, 1] += 0.3 * np.sin(2 * np.pi * freq * t + phase + (np.pi if anomaly else 0.0))
    return pts.astype(np.float32)


def write_recordings(
    folder: Path,
    n_subjects: int = 10,
    per_subject: int = 4,
    seed: int = 0,
    lengths: tuple[int, int] = (24, 48),
    labels: np.ndarray | None = None,
    anomalous: np.ndarray | None = None,
) -> pd.DataFrame:
    """Write ``.npy`` files under ``folder``; return the table (absolute ``source`` paths)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n = n_subjects * per_subject
    labels = np.resize(np.arange(5), n) if labels is None else np.asarray(labels)
    rows = []
    for i in range(n):
        path = folder / f"rec{i:03d}.npy"
        anomaly = None if anomalous is None else bool(anomalous[i])
        pts = recording(int(labels[i]), int(rng.integers(*lengths)), rng, anomaly)
        np.save(path, pts)
        rows.append(
            {
                "sample_id": f"r{i:03d}",
                "subject_id": f"S{i // per_subject:02d}",
                "task": "synthetic",
                "side": "right",
                "label": int(labels[i]),
                "dataset": "tiny",
                "source": str(path),
                "fps": FPS,
                "layout": LAYOUT,
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Iterator[None]:
    """Tiny models run fastest on one thread, and much faster on a shared 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
