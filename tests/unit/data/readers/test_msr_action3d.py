"""MSR Action3D skeletons: 20 joints of x y z confidence, names, and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hawkeye.data.quarantine import Quarantine
from hawkeye.data.readers.base import LabelError, RecordingError
from hawkeye.data.readers.msr_action3d import (
    ACTIONS,
    JOINTS,
    manifest_row,
    manifest_rows,
    read_msr_action3d,
)
from hawkeye.landmarks.sequence import JOINT_LAYOUTS, LandmarkError


@pytest.fixture
def skeletons(shared_data: Path) -> Path:
    folder = shared_data / "msr_action3d" / "skeletons"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return folder


def _frame(value: float = 0.5) -> str:
    return "".join(f"{value} {value} {value} 1.0\n" for _ in range(20))


def test_layout_tables() -> None:
    assert len(JOINTS) == JOINT_LAYOUTS["msr_action3d_20"] == 20
    assert len(ACTIONS) == 20


@pytest.mark.real_data
def test_real_file(skeletons: Path) -> None:
    rec = read_msr_action3d(skeletons / "a01_s01_e01_skeleton3D.txt")
    seq = rec.sequence
    assert seq.layout == "msr_action3d_20" and seq.fps == 15.0
    assert seq.points.shape[1:] == (20, 3) and seq.points.dtype == np.float32
    assert rec.extras["confidence"].shape == seq.points.shape[:2]
    conf = rec.extras["confidence"]
    assert conf.min() >= 0 and conf.max() <= 1
    head, neck = JOINTS.index("head"), JOINTS.index("neck")
    assert (seq.points[seq.presence, head, 1] > seq.points[seq.presence, neck, 1]).all()  # y up


@pytest.mark.real_data
def test_manifest_and_the_all_zero_recording(skeletons: Path) -> None:
    rows = manifest_rows(skeletons)
    assert len(rows) == 567
    assert {r["label"] for r in rows} == set(range(20))
    assert {r["subject_id"] for r in rows} == {f"s{i:02d}" for i in range(1, 11)}
    assert sum(r["in_cvpr12"] for r in rows) == 557
    first = rows[0]
    assert (first["sample_id"], first["action"], first["label"], first["episode"]) == (
        "a01_s01_e01",
        1,
        0,
        "e01",
    )
    with pytest.raises(LandmarkError, match=r"a13_s09_e02_skeleton3D\.txt: no frame"):
        read_msr_action3d(skeletons / "a13_s09_e02_skeleton3D.txt")


def test_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "a02_s03_e01_skeleton3D.txt"
    path.write_text(_frame(0.0) + _frame())
    rec = read_msr_action3d(path)
    assert rec.sequence.presence.tolist() == [False, True]
    assert manifest_row(path)["label"] == 1
    path.write_text(_frame() + "0.1 0.2 0.3\n")
    with pytest.raises(RecordingError, match=r"e01_skeleton3D\.txt:21: 3 values, expected 4"):
        read_msr_action3d(path)
    path.write_text(_frame() + "0.1 0.2 0.3 1\n")
    with pytest.raises(RecordingError, match="21 joint lines is not a whole number"):
        read_msr_action3d(path)
    with pytest.raises(LabelError, match="not an MSR Action3D name"):
        manifest_row(tmp_path / "a21_s01_e01_skeleton3D.txt")
    (tmp_path / "a21_s01_e01_skeleton3D.txt").write_text(_frame())
    quarantine = Quarantine("ingest")
    assert manifest_rows(tmp_path, quarantine=quarantine, read=True) == []
    assert len(quarantine) == 2
