"""Frame-wise nets (MS-TCN, BiGRU) against the frame-wise contract on tiny synthetic streams."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from hawkeye.evaluation.segments import segment_metrics
from hawkeye.models import framewise
from hawkeye.models.base import model_kind
from hawkeye.models.framewise_params import QUICK
from tests.sequence_synthetic import one_torch_thread  # noqa: F401


def _stream(rng: np.random.Generator, blocks: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Background blocks of 12 frames and class-1 blocks of 6; one noisy channel says which."""
    y = np.concatenate([np.full(12 if i % 2 == 0 else 6, i % 2) for i in range(blocks)])
    noise = rng.normal(0, 0.9, size=(len(y), 3))
    x = noise + y[:, None] * np.array([1.0, 0.0, 0.0])
    return x.astype(np.float32), y


@pytest.fixture(scope="module")
def streams() -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(0)
    pairs = [_stream(rng, blocks=8 + i % 3) for i in range(6)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


@pytest.mark.parametrize("architecture", framewise.ARCHITECTURES)
def test_beats_the_majority_frame_baseline(architecture: str, streams) -> None:
    X, y = streams
    params = {"hidden": 16, "stages": 2, "layers": 4 if architecture == "mstcn" else 1}
    model = framewise.build(architecture, params | {"max_epochs": 25, "lr": 1e-2}, seed=0)
    assert model_kind(model) == framewise.FRAME_WISE == "frame-wise"
    assert clone(model).get_params() == model.get_params()
    train, test = slice(0, 4), slice(4, 6)
    assert model.fit(X[train], y[train]) is model
    predicted = model.predict(X[test])
    assert [p.shape for p in predicted] == [t.shape for t in y[test]]
    assert all(p.dtype.kind == "i" and set(p) <= {0, 1} for p in predicted)
    proba = model.predict_proba(X[test])
    np.testing.assert_allclose(proba[0].sum(axis=1), 1.0, rtol=1e-5)
    truth = np.concatenate(y[test])
    majority = np.mean(truth == np.bincount(np.concatenate(y[train])).argmax())
    accuracy = np.mean(np.concatenate(predicted) == truth)
    assert accuracy > majority + 0.1, (accuracy, majority)
    figures = segment_metrics(predicted, y[test])
    assert 0 <= figures["edit"] <= 100
    # seeded: the same (short) fit twice gives the same probabilities
    short = [clone(model).set_params(max_epochs=2).fit(X[train], y[train]) for _ in range(2)]
    np.testing.assert_array_equal(*(m.predict_proba(X[test])[0] for m in short))
    segments = model.predict_segments(X[test], fps=[10.0, 10.0])
    assert segments[0] and {"start", "end", "label", "start_s", "end_s"} <= set(segments[0][0])
    assert all(s["label"] == "1" for s in segments[0])  # background (class 0) left out


def test_fits_manifest_rows_from_their_segments(tmp_path: Path) -> None:
    """Rows of a skeleton format: motion channels in, targets from the segments column."""
    from hawkeye.data.readers.utkinect import JOINTS

    rng = np.random.default_rng(1)
    rows = []
    for k in range(2):
        numbers = np.arange(0, 240, 4)
        lines = []
        for i, n in enumerate(numbers):
            lift = 0.3 if 20 <= i < 40 else 0.0  # the hands go up during "waveHands"
            pts = rng.normal(0, 0.01, size=(len(JOINTS), 3)) + np.array([0.0, 0.0, 2.0])
            pts[[7, 11], 1] += 0.5 + lift
            pts[3, 1] += 0.6
            lines.append(f"{n} " + " ".join(f"{v:.4f}" for v in pts.ravel()))
        path = tmp_path / f"joints_s0{k + 1}_e01.txt"
        path.write_text("\n".join(lines) + "\n")
        rows.append(
            {
                "sample_id": path.stem,
                "format": "utkinect",
                "source": str(path),
                "fps": 7.5,
                "segments": json.dumps([{"start": 20, "end": 40, "label": "waveHands"}]),
                "segments_unit": "frame",
            }
        )
    table = pd.DataFrame(rows)
    model = framewise.build("mstcn", QUICK | {"max_epochs": 3})
    model.fit(table)
    assert list(model.classes_) == ["background", "waveHands"]
    assert model.n_features_in_ == len(JOINTS) * 6  # positions and velocities
    assert [len(p) for p in model.predict(table)] == [60, 60]


def test_params_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown parameter"):
        framewise.check_params({"hiden": 3})
    with pytest.raises(ValueError, match="architecture"):
        framewise.build("lstm", {})
    with pytest.raises(ValueError, match="targets"):
        framewise.build("bigru", QUICK).fit([np.zeros((5, 2))], [np.zeros(4, int)])


def test_training_windows_keep_every_frame() -> None:
    model = framewise.build("bigru", {"chunk": 4})
    arrays = [np.arange(10.0)[:, None], np.arange(3.0)[:, None]]
    targets = [np.arange(10), np.arange(3)]
    xs, ys = model._windows(arrays, targets, np.random.default_rng(0))
    assert max(len(x) for x in xs) <= 4
    assert sorted(np.concatenate(ys).tolist()) == sorted([*range(10), *range(3)])
