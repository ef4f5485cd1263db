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
    for i, row in enumerate(rows):  # one file a recording: a file two subjects share conflicts
        if row.get("source") == "lm/ok.npy":
            row["source"] = f"lm/ok_{i}.npy"
            np.save(tmp_path / row["source"], good)
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
        "width": 1280,  # PARK's angles are in pixels: a landmark row says its frame size
        "height": 720,
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


def test_a_hand_recording_without_frame_size_is_quarantined_not_guessed(tmp_path: Path) -> None:
    rows = [_row(f"r{i}", f"S{i}") for i in range(4)] + [
        {**_row("nosize", "S9"), "width": None, "height": None}
    ]
    cfg = DatasetConfig(
        name="t", kind="landmarks", path=str(_write(tmp_path, rows)), max_quarantine_share=0.5
    )
    result = build_features(ingest(cfg).manifest, cfg)
    reasons = dict(zip(result.quarantine["sample_id"], result.quarantine["reason"], strict=True))
    assert len(result.features) == 4 and "frame size" in reasons["nosize"]


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


def test_schema_reports_every_problem_of_a_row(tmp_path: Path) -> None:
    """pandera validates lazily: one pass finds every broken rule of every row."""
    rows = [_row(f"r{i}", f"S{i}") for i in range(8)] + [
        {**_row("many", subject=""), "label": "x", "fps": None},
        _row("frac", label=2.5),
        _row("text_ok", label="3"),  # a label written as text is fine
    ]
    cfg = DatasetConfig(
        name="t", kind="landmarks", path=str(_write(tmp_path, rows)), max_quarantine_share=0.5
    )
    result = ingest(cfg)
    reasons = dict(zip(result.quarantine["sample_id"], result.quarantine["reason"], strict=True))
    assert reasons["many"] == (
        "missing subject_id; label 'x' is not a number; fps nan is not a positive number"
    )
    # 2.5 lies inside 0..4: what is wrong is that a score is a whole number (issue 17).
    assert reasons["frac"] == "label '2.5' is not a whole score (labels are 0..4)"
    assert result.manifest.set_index("sample_id").loc["text_ok", "label"] == 3
    assert set(result.quarantine["stage"]) == {"ingest"}


def test_duplicate_id_is_judged_among_good_rows(tmp_path: Path) -> None:
    rows = [_row(f"r{i}", f"S{i}") for i in range(6)] + [
        _row("dup", "S1", source="lm/missing.npy"),  # bad file: quarantined for that ...
        _row("dup", "S2"),  # ... so this one keeps the id
        _row("dup", "S3"),
    ]
    cfg = DatasetConfig(
        name="t", kind="landmarks", path=str(_write(tmp_path, rows)), max_quarantine_share=0.5
    )
    result = ingest(cfg)
    assert list(result.quarantine["reason"]) == [
        "landmark file not found: lm/missing.npy",
        "duplicate sample_id",
    ]
    kept = result.manifest.set_index("sample_id").loc["dup"]
    assert kept["subject_id"] == "S2"


def _feature_table(tmp_path: Path, n: int = 10) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "sample_id": [f"v{i}" for i in range(n)],
            "subject_id": [f"S{i}" for i in range(n)],
            "task": "finger_tapping",
            "side": "left",
            "label": rng.integers(0, 5, n),
            "source": "table.csv",
            "fps": np.nan,
            "dataset": "t",
            "amp": rng.normal(size=n),
            "speed": rng.normal(size=n),
        }
    )
    frame.loc[1, "speed"] = np.inf
    frame.loc[2, ["amp", "speed"]] = np.nan
    frame.loc[3, "amp"] = np.nan  # one missing feature: fine, the models impute it
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    return path


def test_feature_rows_no_model_can_use_are_quarantined(tmp_path: Path) -> None:
    cfg = DatasetConfig(
        name="t", kind="feature_table", path=str(_feature_table(tmp_path)),
        max_quarantine_share=0.3,
    )  # fmt: skip
    result = build_features(ingest(cfg).manifest, cfg)
    reasons = dict(zip(result.quarantine["sample_id"], result.quarantine["reason"], strict=True))
    assert reasons == {
        "v1": "infinite feature value: speed",
        "v2": "no feature could be computed (all NaN)",
    }
    assert set(result.quarantine["stage"]) == {"landmark"}
    assert list(result.features["sample_id"]) == [f"v{i}" for i in (0, 3, 4, 5, 6, 7, 8, 9)]
    strict = cfg.model_copy(update={"max_quarantine_share": 0.1})
    with pytest.raises(QuarantineExceeded, match="landmark: 2 of 10 inputs quarantined"):
        build_features(ingest(strict).manifest, strict)
