"""task: segments from rows to report: frame-wise cross-validation, frame predictions, the
segment report, the gate's direction, and the configuration's checks.

Expected values are worked out by hand from the segment annotations written here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import GateConfig, ModelConfig, RunConfig
from hawkeye.evaluation.gate import greater_is_better
from hawkeye.evaluation.metrics import evaluate_run, summary_table
from hawkeye.evaluation.predictions import PredictionsError
from hawkeye.evaluation.segments import evaluate_segments
from hawkeye.models.framewise_params import QUICK
from hawkeye.segments import SegmentsError, in_frames
from hawkeye.training import cross_validate
from tests.sequence_synthetic import one_torch_thread  # noqa: F401

FPS = 10.0
FRAMES = 40  # 4 s a recording


def _rows(tmp_path: Path) -> pd.DataFrame:
    """Four recordings of two subjects: a 'reach' from 1.0 s to 2.0 s (frames 10-19) on the
    "Temporal error" track, a 'slow' over everything on another track (never learned)."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(4):
        points = rng.normal(0, 0.01, size=(FRAMES, 5, 3)).astype(np.float32)
        points[10:20, 4, 1] += 0.5  # the hand rises during the reach
        path = tmp_path / f"r{i}.npy"
        np.save(path, points)
        segments = [
            {"start": 1.0, "end": 2.0, "label": "reach", "track": "Temporal error"},
            {"start": 0.0, "end": 4.0, "label": "slow", "track": "Global error"},
        ]
        rows.append(
            {
                "sample_id": f"r{i}",
                "subject_id": f"s{i // 2}",
                "label": 0,
                "source": str(path),
                "layout": "five",
                "fps": FPS,
                "segments": json.dumps(segments),  # seconds: no segments_unit
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture
def rows(tmp_path: Path) -> pd.DataFrame:
    from hawkeye.data.readers import registry

    registry.declare_layout("five", ["root", "a", "b", "c", "hand"], [], "root")
    return _rows(tmp_path)


def test_in_frames_converts_seconds_and_keeps_the_track(rows: pd.DataFrame) -> None:
    framed = in_frames(rows, track="Temporal error")
    # [1.0 s, 2.0 s) at 10 frames a second: frames 10..19, end exclusive 20.
    assert json.loads(framed["segments"][0]) == [{"start": 10, "end": 20, "label": "reach"}]
    assert set(framed["segments_unit"]) == {"frame"}
    both = json.loads(in_frames(rows)["segments"][0])
    assert [s["label"] for s in both] == ["reach", "slow"]
    with pytest.raises(SegmentsError, match="segment annotations"):
        in_frames(rows.drop(columns="segments"))


def test_cross_validation_gives_one_row_a_frame(rows: pd.DataFrame) -> None:
    folds = pd.DataFrame({"sample_id": rows["sample_id"], "fold": [0, 0, 1, 1]})
    cfg = ModelConfig(name="mstcn", params=dict(QUICK))
    result = cross_validate(rows, folds, cfg, 0, 0, task="segments", segment_track="Temporal error")
    frame = result.predictions
    assert len(frame) == 4 * FRAMES
    first = frame[frame["sample_id"] == "r0"].sort_values("frame")
    assert first["frame"].tolist() == list(range(FRAMES))
    expected = np.zeros(FRAMES, dtype=int)
    expected[10:20] = 1  # classes: [background, reach]
    assert first["label"].tolist() == expected.tolist()
    assert first["fold"].unique().tolist() == [0]
    # The training side has 30 background frames a recording for 10 of reach.
    assert set(frame["baseline_majority"]) == {0}
    assert set(frame["predicted"]) <= {0, 1}
    assert list(result.model.classes_) == ["background", "reach"]
    report = evaluate_run(frame, folds, 0, 0, task="segments")
    assert report["n_samples"] == 4 and report["n_frames"] == 4 * FRAMES
    assert report["pooled"]["baseline_majority"]["frame_acc"] == pytest.approx(75.0)
    assert report["pooled"]["baseline_majority"]["f1_50"] == 0
    assert set(report["folds"]["model"]) == {0, 1}


def _frames(sample: str, fold: int, truth: list[int], predicted: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sample_id": sample,
            "subject_id": sample,
            "fold": fold,
            "frame": range(len(truth)),
            "label": truth,
            "predicted": predicted,
            "baseline_majority": 0,
        }
    )


def test_segment_report_by_hand() -> None:
    frame = pd.concat(
        [
            _frames("a", 0, [0, 1, 1, 0], [0, 1, 1, 0]),  # perfect
            _frames("b", 1, [0, 2, 2, 2], [0, 0, 0, 0]),  # misses its one segment
        ]
    ).sample(frac=1, random_state=0)  # order of rows must not matter
    report = evaluate_segments(frame)
    model = report["pooled"]["model"]
    assert model["frame_acc"] == pytest.approx(62.5)  # 4 + 1 of 8 frames
    assert model["edit"] == pytest.approx(50.0)  # 100 and 0
    assert model["f1_50"] == pytest.approx(200 / 3)  # tp 1, fp 0, fn 1: P 1, R 1/2
    assert report["folds"]["model"][0]["frame_acc"] == 100
    assert report["fold_summary"]["model"]["edit"] == {"mean": 50.0, "std": 50.0}
    assert "| model | 62.500 |" in summary_table(report)
    with pytest.raises(PredictionsError, match="frame"):
        evaluate_segments(pd.concat([frame, frame]))  # every frame twice


def test_gate_reads_the_segment_metrics_direction() -> None:
    assert greater_is_better(GateConfig(metric="f1_50")) is True
    assert greater_is_better(GateConfig(metric="edit")) is True
    assert greater_is_better(GateConfig(metric="mae")) is False


def _config(task: str, model: str) -> dict:
    return {
        "dataset": {
            "name": "d",
            "kind": "landmarks",
            "path": "x.csv",
            "task": task,
            "min_label": 0,
            "max_label": 0 if task == "segments" else 4,
        },
        "model": {"name": model},
        "registry": {"model_name": "m"},
    }


def test_task_and_model_kind_must_agree() -> None:
    RunConfig.model_validate(_config("segments", "mstcn"))
    with pytest.raises(ValueError, match=r"needs dataset\.task: segments"):
        RunConfig.model_validate(_config("motion", "bigru"))
    with pytest.raises(ValueError, match="needs a frame-wise model"):
        RunConfig.model_validate(_config("segments", "random_forest"))
    with pytest.raises(ValueError, match="max_label must be above"):
        RunConfig.model_validate({**_config("motion", "random_forest"), "dataset": {
            **_config("motion", "random_forest")["dataset"], "max_label": 0}})  # fmt: skip


def test_keraal_anvil_temporal_errors_become_frame_targets(tmp_path: Path) -> None:
    """KERAAL files written to the published spec (Kinect text + Anvil XML): the Temporal
    error track, in seconds, becomes per-frame classes through ingest and the landmark step."""
    from hawkeye.config import DatasetConfig
    from hawkeye.data.ingest import ingest
    from hawkeye.features.extract import build_features
    from tests.unit.data.test_ingest_formats import _anvil, _kinect

    root = tmp_path / "keraal"
    for subject, error in ((1, "Error2"), (2, "Error2"), (3, "Error1"), (4, "Error1")):
        _kinect(root / "group1A" / "kinect" / f"G1A-Kinect-CTK-S0{subject}-1.txt", frames=90)
        _anvil(root / "group1A" / "annotatorA" / f"G1A-CTK-S0{subject}-1.anvil", "Incorrect", error)
    dataset = DatasetConfig(
        name="keraal", kind="landmarks", format="keraal", path=str(root), task="segments",
        max_label=3, segment_track="Temporal error",
    )  # fmt: skip
    features = build_features(ingest(dataset).manifest, dataset).features
    assert len(features) == 4 and {"segments", "fps"} <= set(features.columns)
    folds = pd.DataFrame({"sample_id": features["sample_id"], "fold": [0, 0, 1, 1]})
    cfg = ModelConfig(name="mstcn", params=dict(QUICK))
    result = cross_validate(features, folds, cfg, 0, 3, task="segments",
                            segment_track=dataset.segment_track)  # fmt: skip
    assert list(result.model.classes_) == ["background", "Error1", "Error2"]
    fps = float(features["fps"].iloc[0])
    # Anvil's rule: frame i (at i / fps s) is in [1.2 s, 2.5 s) when 1.2 <= i / fps < 2.5.
    inside = [i for i in range(90) if 1.2 <= i / fps < 2.5]
    first = result.predictions.query("sample_id == 'G1A-Kinect-CTK-S01-1'").sort_values("frame")
    assert np.flatnonzero(first["label"].to_numpy() == 2).tolist() == inside  # Error2
    assert set(first["label"]) == {0, 2}
