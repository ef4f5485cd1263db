"""UTKinect-Action3D: joint lines with RGB frame numbers, the action label file, segments."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hawkeye.data import formats
from hawkeye.data.quarantine import Quarantine
from hawkeye.data.readers import registry
from hawkeye.data.readers.base import LabelError, RecordingError
from hawkeye.data.readers.utkinect import (
    ACTIONS,
    JOINTS,
    frame_segments,
    manifest_row,
    read_labels,
    read_utkinect,
)
from hawkeye.landmarks.sequence import LAYOUTS


def _line(number: int, value: float = 0.5) -> str:
    return f"{number} " + " ".join(f"{value + j / 100:.3f} 0.1 2.0" for j in range(20)) + "\n"


def _write(folder: Path, numbers: list[int], labels: str) -> Path:
    path = folder / "joints_s03_e02.txt"
    path.write_text("".join(_line(n) for n in numbers))
    (folder / "actionLabel.txt").write_text(labels)
    return path


LABELS = "s03_e02\nwalk: 10 20\nsitDown: 30 40 \nthrow: NaN NaN\n"


def test_layout() -> None:
    layout = LAYOUTS["kinect_v1_20"]
    assert layout.names == JOINTS and layout.joints == 20 and layout.parents[3] == 2
    assert len(ACTIONS) == 10
    assert "utkinect" in registry.names()


def test_row_and_segments_in_sequence_frames(tmp_path: Path) -> None:
    # frame numbers jump and 14 is written twice (a second body: its first line is kept)
    path = _write(tmp_path, [4, 8, 10, 14, 14, 20, 26, 30, 36, 40, 46], LABELS)
    rec = read_utkinect(path)
    assert rec.sequence.n_frames == 10
    assert rec.extras["frame_number"].tolist() == [4, 8, 10, 14, 20, 26, 30, 36, 40, 46]
    assert rec.sequence.fps == pytest.approx(9 * 30 / 42)
    row = manifest_row(path)
    assert (row["sample_id"], row["subject_id"], row["episode"]) == ("s03_e02", "s03", "e02")
    assert row["segments_unit"] == "frame" and row["label"] == 0
    segments = json.loads(row["segments"])
    # walk 10..20 inclusive -> frames 10, 14, 20 = indices 2..4; sitDown 30..40 -> 6..8; throw NaN
    assert [(s["label"], s["start"], s["end"]) for s in segments] == [
        ("walk", 2, 5),
        ("sitDown", 6, 9),
    ]
    assert formats.load_recording(row).n_frames == 10


def test_the_modified_label_file_wins(tmp_path: Path) -> None:
    path = _write(tmp_path, list(range(0, 60, 2)), LABELS)
    (tmp_path / "actionLabel_modified.txt").write_text("s03_e02\nwalk: 0 4\n")
    segments = json.loads(manifest_row(path)["segments"])
    assert [(s["label"], s["start"], s["end"]) for s in segments] == [("walk", 0, 3)]


def test_an_action_between_two_lines_covers_nothing() -> None:
    assert frame_segments(np.array([0, 10, 20]), [("walk", 12, 18)]) == []


def test_bad_input(tmp_path: Path) -> None:
    with pytest.raises(LabelError, match="unknown action"):
        (tmp_path / "a.txt").write_text("s01_e01\ndance: 1 2\n")
        read_labels(tmp_path / "a.txt")
    with pytest.raises(LabelError, match="before start"):
        (tmp_path / "a.txt").write_text("s01_e01\nwalk: 5 2\n")
        read_labels(tmp_path / "a.txt")
    bad = tmp_path / "joints_s01_e01.txt"
    bad.write_text("1 2 3\n")
    with pytest.raises(RecordingError, match="expected 61"):
        read_utkinect(bad)
    path = _write(tmp_path, [0, 2, 4], "s09_e09\nwalk: 0 2\n")
    quarantine = Quarantine("ingest")
    rows = registry.get("utkinect").manifest_rows(tmp_path, quarantine)
    assert rows == [] and len(quarantine) == 2  # no label entry; the 3-value file
    assert path.exists()


@pytest.mark.real_data
def test_real_data(shared_data: Path) -> None:
    folder = shared_data / "utkinect"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    rows = registry.get("utkinect").manifest_rows(folder, None)
    assert len(rows) == 10
    assert sorted({r["subject_id"] for r in rows}) == [f"s0{i}" for i in range(1, 6)]
    for row in rows:
        segments = json.loads(row["segments"])
        assert sorted(s["label"] for s in segments) == sorted(ACTIONS)
        assert all(0 <= s["start"] < s["end"] <= row["n_frames"] for s in segments)
        assert 5 < row["fps"] < 11
    seq = formats.load_recording(rows[0])
    head, hip = JOINTS.index("head"), JOINTS.index("hip_center")
    assert (seq.points[seq.presence, head, 1] > seq.points[seq.presence, hip, 1]).mean() > 0.95
