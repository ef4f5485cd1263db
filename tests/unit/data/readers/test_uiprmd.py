"""UI-PRMD Kinect positions: names, labels, the 22-joint layout, and bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from hawkeye.data.quarantine import Quarantine
from hawkeye.data.readers import registry as formats
from hawkeye.data.readers.base import LabelError, RecordingError
from hawkeye.data.readers.uiprmd import (
    JOINTS,
    PARENTS,
    angles_path,
    manifest_row,
    manifest_rows,
    read_absolute,
    read_absolute_angles,
    read_angles,
    read_uiprmd,
)
from hawkeye.landmarks.sequence import JOINT_LAYOUTS


@pytest.fixture
def positions(shared_data: Path) -> Path:
    folder = shared_data / "ui_prmd" / "kinect_positions"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return folder


def _gz(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as handle:
        handle.write(text)
    return path


def test_layout_and_tree() -> None:
    assert len(JOINTS) == len(PARENTS) == JOINT_LAYOUTS["uiprmd_kinect_22"] == 22
    assert PARENTS[0] == -1 and all(p < j for j, p in enumerate(PARENTS))


@pytest.mark.real_data
def test_manifest_of_the_whole_folder(positions: Path) -> None:
    rows = manifest_rows(positions)
    assert len(rows) == 2000
    assert sum(r["label"] for r in rows) == 1000  # 1 = correct, 0 = incorrect
    assert {r["task"] for r in rows} == {f"m{i:02d}" for i in range(1, 11)}
    assert {r["subject_id"] for r in rows} == {f"s{i:02d}" for i in range(1, 11)}
    assert {r["episode"] for r in rows} == {f"e{i:02d}" for i in range(1, 11)}
    assert len({r["sample_id"] for r in rows}) == 2000
    inc = [r for r in rows if r["label"] == 0]
    assert all("/incorrect/" in r["source"] and r["sample_id"].endswith("_incorrect") for r in inc)
    assert {r["coordinates"] for r in rows} == {"root_absolute_parent_local"}


@pytest.mark.real_data
def test_real_files_read_as_22_joints(positions: Path) -> None:
    for path in sorted(positions.glob("*/m0[17]_s0[12]_e01_*.gz")):
        seq = read_uiprmd(path).sequence
        assert seq.layout == "uiprmd_kinect_22" and seq.fps == 30.0
        assert seq.points.shape[1:] == (22, 3) and seq.presence.all()
        # Non-root joints are bones in the parent's frame: short, nearly constant offsets.
        bones = np.linalg.norm(seq.points[:, 1:], axis=-1)
        assert bones.max() < 60 and bones.std(axis=0).max() < 5
        row = manifest_row(path, read=True)
        assert row["n_frames"] == seq.n_frames


def test_bad_input(tmp_path: Path) -> None:
    line = ",".join(["1.0"] * 66)
    path = _gz(tmp_path / "correct" / "m01_s01_e01_positions.txt.gz", f"{line}\n{line[:-4]}\n")
    with pytest.raises(RecordingError, match=r"positions\.txt\.gz:2: 65 values, expected 66"):
        read_uiprmd(path)
    _gz(path, f"{line}\n{line.replace('1.0', 'NaN', 1)}\n")
    with pytest.raises(RecordingError, match=r":2: NaN"):
        read_uiprmd(path)
    (tmp_path / "correct" / "m01_s01_e02_positions.txt.gz").write_bytes(b"not gzip at all")
    with pytest.raises(RecordingError, match="cannot read"):
        read_uiprmd(tmp_path / "correct" / "m01_s01_e02_positions.txt.gz")
    mislabelled = _gz(tmp_path / "correct" / "m01_s01_e03_positions_inc.txt.gz", line)
    with pytest.raises(LabelError, match="says incorrect but the file is in correct/"):
        manifest_row(mislabelled)
    with pytest.raises(LabelError, match="not a UI-PRMD positions file name"):
        manifest_row(tmp_path / "m11_s01_e01_positions.txt.gz")
    quarantine = Quarantine("ingest")
    rows = manifest_rows(tmp_path, quarantine=quarantine, read=True)
    assert rows == []
    assert len(quarantine) == 3


def _files(tmp_path: Path, offsets: np.ndarray, angles: np.ndarray | None) -> Path:
    """A positions file under kinect_positions/correct/ and its angles file beside it."""
    text = "\n".join(",".join(f"{v:.6f}" for v in frame.ravel()) for frame in offsets)
    path = _gz(tmp_path / "kinect_positions" / "correct" / "m02_s03_e04_positions.txt.gz", text)
    if angles is not None:
        text = "\n".join(",".join(f"{v:.6f}" for v in frame.ravel()) for frame in angles)
        _gz(tmp_path / "kinect_angles" / "correct" / "m02_s03_e04_angles.txt.gz", text)
    return path


def test_absolute_skeleton_by_forward_kinematics(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    offsets = rng.normal(size=(3, 22, 3))
    angles = np.zeros((3, 22, 3))
    angles[:, 0, 1] = 90.0  # the waist turned 90 degrees about the vertical
    path = _files(tmp_path, offsets, angles)
    assert angles_path(path) == tmp_path / "kinect_angles/correct/m02_s03_e04_angles.txt.gz"
    seq = read_absolute(path).sequence
    assert seq.layout == "uiprmd_kinect_22_absolute" and seq.points.shape == (3, 22, 3)
    turn = np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]])  # Ry(90)
    np.testing.assert_allclose(seq.points[:, 1], offsets[:, 0] + offsets[:, 1] @ turn.T, atol=1e-4)
    np.testing.assert_allclose(read_angles(path).sequence.points, angles, atol=1e-5)
    from hawkeye.features.motion import motion_channels

    as_read = motion_channels(read_angles(path).sequence, False, False, view="canonical")
    np.testing.assert_allclose(as_read, angles, atol=1e-5)  # angles: no centring, no turn
    both = read_absolute_angles(path).sequence
    assert both.layout == "uiprmd_kinect_22_absolute_angles" and both.points.shape == (3, 44, 3)
    np.testing.assert_allclose(both.points[:, :22], seq.points)
    np.testing.assert_allclose(both.points[:, 22:], angles, atol=1e-5)
    row = manifest_row(path, read=True, variant="uiprmd_absolute")
    assert row["layout"] == "uiprmd_kinect_22_absolute" and row["n_frames"] == 3
    assert row["coordinates"] == "absolute_forward_kinematics"
    files = formats.get("uiprmd_absolute").fingerprinted(tmp_path / "kinect_positions")
    assert [f.name for f in files] == ["m02_s03_e04_angles.txt.gz", path.name]


def test_absolute_needs_its_angles_file(tmp_path: Path) -> None:
    path = _files(tmp_path, np.zeros((2, 22, 3)) + 1, None)
    with pytest.raises(RecordingError, match="no UI-PRMD angles file"):
        read_absolute(path)
    quarantine = Quarantine("ingest")
    rows = formats.get("uiprmd_absolute").manifest_rows(tmp_path / "kinect_positions", quarantine)
    assert rows == [] and len(quarantine) == 1


@pytest.mark.real_data
def test_real_absolute_skeleton_stands_upright(positions: Path) -> None:
    for path in sorted(positions.glob("correct/m0[17]_s0[12]_e01_*.gz")):
        pts = read_absolute(path).sequence.points
        waist, head = pts[:, JOINTS.index("Waist")], pts[:, JOINTS.index("Head")]
        feet = pts[:, [JOINTS.index("LeftFoot"), JOINTS.index("RightFoot")]]
        assert ((head - waist)[:, 1] > 40).all()  # the head above the waist throughout
        assert ((feet[0, :, 1] - waist[0, 1]) < -50).all()  # standing at first (a squat dips)
        arms = [JOINTS.index("LeftUpperArm"), JOINTS.index("RightUpperArm")]
        width = np.linalg.norm(pts[:, arms[0]] - pts[:, arms[1]], axis=1)
        assert 25 < np.median(width) < 50  # shoulder width in cm
