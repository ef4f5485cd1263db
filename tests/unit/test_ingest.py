from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import DatasetConfig
from hawkeye.data.ingest import DatasetError, ingest
from hawkeye.data.quarantine import QuarantineExceeded
from hawkeye.features.extract import build_features


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    (tmp_path / "lm").mkdir(exist_ok=True)
    good = np.random.default_rng(0).uniform(0.3, 0.7, size=(90, 21, 3)).astype(np.float32)
    np.save(tmp_path / "lm" / "ok.npy", good)
    np.save(tmp_path / "lm" / "bad_joints.npy", good[:, :17])
    np.save(tmp_path / "lm" / "empty.npy", good[:0])
    path = tmp_path / "annotations.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _row(sample: str, subject: str = "S1", label: object = 1, source: str = "lm/ok.npy") -> dict:
    return {
        "sample_id": sample,
        "subject_id": subject,
        "task": "finger_tapping",
        "side": "left",
        "label": label,
        "source": source,
        "fps": 30.0,
        "dataset": "t",
    }


def test_bad_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    rows = [_row(f"r{i}", f"S{i % 3}") for i in range(8)] + [
        _row("dup", "S1"),
        _row("dup", "S2"),
        _row("lab", label=7),
        _row("nosubj", subject=""),
        _row("gone", source="lm/missing.npy"),
    ]
    cfg = DatasetConfig(
        name="t", kind="landmarks", path=str(_write(tmp_path, rows)), max_quarantine_share=0.5
    )
    result = ingest(cfg)
    reasons = dict(zip(result.quarantine["sample_id"], result.quarantine["reason"], strict=True))
    assert len(result.manifest) == 9
    assert reasons["dup"] == "duplicate sample_id"
    assert "outside 0..4" in reasons["lab"]
    assert reasons["nosubj"] == "missing subject_id"
    assert "not found" in reasons["gone"]


def test_unreadable_landmarks_are_quarantined_not_crashing(tmp_path: Path) -> None:
    rows = [_row(f"r{i}", f"S{i}") for i in range(8)] + [
        _row("joints", source="lm/bad_joints.npy"),
        _row("empty", source="lm/empty.npy"),
    ]
    cfg = DatasetConfig(
        name="t", kind="landmarks", path=str(_write(tmp_path, rows)), max_quarantine_share=0.5
    )
    result = build_features(ingest(cfg).manifest, cfg)
    reasons = dict(zip(result.quarantine["sample_id"], result.quarantine["reason"], strict=True))
    assert len(result.features) == 8
    assert "21 joints, array has 17" in reasons["joints"]
    assert "no frame" in reasons["empty"]


def test_run_fails_past_the_quarantine_threshold(tmp_path: Path) -> None:
    rows = [_row("a", "S1"), _row("b", "S2", label=9), _row("c", "S3", label=-1)]
    cfg = DatasetConfig(
        name="t", kind="landmarks", path=str(_write(tmp_path, rows)), max_quarantine_share=0.5
    )
    with pytest.raises(QuarantineExceeded, match="2 of 3 inputs quarantined"):
        ingest(cfg)


def test_missing_columns_and_files_are_named(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    pd.DataFrame({"sample_id": ["x"], "label": [1]}).to_csv(path, index=False)
    with pytest.raises(DatasetError, match="subject_id"):
        ingest(DatasetConfig(name="t", kind="landmarks", path=str(path)))
    with pytest.raises(DatasetError, match="does not exist"):
        ingest(DatasetConfig(name="t", kind="landmarks", path=str(tmp_path / "nope.csv")))
