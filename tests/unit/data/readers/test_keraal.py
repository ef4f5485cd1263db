"""KERAAL readers: every modality of the shared samples, file names, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hawkeye.data.quarantine import Quarantine
from hawkeye.data.readers.base import LabelError, RecordingError, SourceError
from hawkeye.data.readers.keraal import manifest_rows, parse_name, read_keraal
from hawkeye.data.readers.keraal_json import (
    ALPHAPOSE_JOINTS,
    BLAZEPOSE_JOINTS,
    OPENPOSE_JOINTS,
    read_openpose,
)
from hawkeye.data.readers.keraal_tables import KINECT_JOINTS, VICON_TARGETS, read_kinect
from hawkeye.landmarks.sequence import JOINT_LAYOUTS, LandmarkError

NAME = "G3-{}-CTK-P1T1-Unknown-C-0"


@pytest.fixture
def keraal(shared_data: Path) -> Path:
    folder = shared_data / "keraal"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return folder


def test_joint_tables_match_layouts() -> None:
    assert len(KINECT_JOINTS) == JOINT_LAYOUTS["kinect_v2_25"] == 25
    assert len(VICON_TARGETS) == JOINT_LAYOUTS["keraal_vicon_17"] == 17
    assert len(OPENPOSE_JOINTS) == JOINT_LAYOUTS["coco_18"] == 18
    assert len(BLAZEPOSE_JOINTS) == JOINT_LAYOUTS["mediapipe_pose_33"] == 33
    assert len(ALPHAPOSE_JOINTS) == JOINT_LAYOUTS["coco_17"] == 17


@pytest.mark.real_data
@pytest.mark.parametrize(
    ("modality", "ext", "layout", "fps", "n_frames", "n_present"),
    [
        ("Kinect", "txt", "kinect_v2_25", 30.0, 197, 197),
        ("Vicon", "txt", "keraal_vicon_17", 60.0, 390, 390),
        ("OP", "json", "coco_18", 30.0, 197, 196),  # the last frame is written empty
        ("BP", "json", "mediapipe_pose_33", 30.0, 196, 196),
        ("AP", "json", "coco_17", 30.0, 196, 195),  # frame "12" is missing from the file
    ],
)
def test_every_modality_reads(
    keraal: Path, modality: str, ext: str, layout: str, fps: float, n_frames: int, n_present: int
) -> None:
    rec = read_keraal(keraal / f"{NAME.format(modality)}.{ext}")
    seq = rec.sequence
    assert seq.layout == layout and seq.fps == fps
    assert seq.points.dtype == np.float32
    assert seq.points.shape == (n_frames, JOINT_LAYOUTS[layout], 3)
    assert int(seq.presence.sum()) == n_present


@pytest.mark.real_data
def test_kinect_keeps_orientation_and_openpose_marks_missing_joints(keraal: Path) -> None:
    kinect = read_keraal(keraal / f"{NAME.format('Kinect')}.txt")
    quat = kinect.extras["orientation"]
    assert quat.shape == (197, 25, 4)
    norms = np.linalg.norm(quat, axis=-1)
    leaves = ("Head", "FootLeft", "FootRight", "HandTipLeft", "ThumbLeft", "HandTipRight")
    leaf = [KINECT_JOINTS.index(j) for j in (*leaves, "ThumbRight")]
    assert np.allclose(norms[:, leaf], 0)  # Kinect v2 gives leaf joints no orientation
    assert np.allclose(np.delete(norms, leaf, axis=1), 1, atol=1e-3)

    openpose = read_keraal(keraal / f"{NAME.format('OP')}.json")
    mask = openpose.extras["joint_present"]
    assert not mask[-1].any() and not openpose.sequence.presence[-1]
    assert (openpose.sequence.points[~mask] == 0).all()
    assert (openpose.sequence.points[..., 2] == 0).all()  # 2-D


@pytest.mark.real_data
def test_manifest_rows_parse_group3_names(keraal: Path) -> None:
    rows = manifest_rows(keraal, read=True)
    assert len(rows) == 15
    first = rows[0]
    for col in ("sample_id", "subject_id", "task", "side", "label", "source", "fps", "dataset"):
        assert col in first
    assert {r["task"] for r in rows} == {"CTK", "ELK", "RTK"}
    assert {r["subject_id"] for r in rows} == {"G3-P1"}
    assert {r["label"] for r in rows} == {0} and all(r["correct"] for r in rows)
    assert {r["modality"] for r in rows} == {"AP", "BP", "Kinect", "OP", "Vicon"}
    assert {r["recording_key"] for r in rows} == {
        f"G3-{e}-P1T1-Unknown-C-0" for e in ("CTK", "ELK", "RTK")
    }
    assert len({r["sample_id"] for r in rows}) == 15


def test_name_conventions() -> None:
    error = parse_name(Path("G3-Kinect-RTK-P2T3-Unknown-E2B1-4.txt"))
    assert (error.label, error.body_part_code, error.subject_id, error.trial) == (
        2,
        1,
        "G3-P2",
        "3",
    )
    underscored = parse_name(Path("G3_Vicon_ELK_P1T2_Unknown_C_0.txt"))  # the readme's spelling
    assert underscored.modality == "Vicon" and underscored.label == 0
    group1 = parse_name(Path("G1A-Kinect-CTK-Brest-022-7.txt"))
    assert (group1.group, group1.subject_id, group1.label) == ("1A", "G1A-Brest-022", None)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("G3-Kinect-CTK-P1T1-Unknown-X9-0.txt", "unknown label 'X9'"),
        ("G3-Kinect-ABC-P1T1-Unknown-C-0.txt", "unknown exercise 'ABC'"),
        ("G3-Thermal-CTK-P1T1-Unknown-C-0.txt", "unknown modality 'Thermal'"),
        ("Gx-readme.txt", "not a KERAAL file name"),
    ],
)
def test_bad_names_raise_label_error(name: str, reason: str) -> None:
    with pytest.raises(LabelError, match=reason):
        parse_name(Path(name))


def test_bad_kinect_lines_name_file_and_line(tmp_path: Path) -> None:
    good = " ".join(["0.5"] * 175)
    path = tmp_path / f"{NAME.format('Kinect')}.txt"
    path.write_text(f"{good}\n{' '.join(['0.5'] * 174)}\n")
    with pytest.raises(RecordingError, match=r"C-0\.txt:2: 174 values, expected 175"):
        read_kinect(path)
    path.write_text(f"{good}\n{good.replace('0.5', 'nan', 1)}\n")
    with pytest.raises(RecordingError, match=r":2: NaN"):
        read_kinect(path)
    path.write_text(f"{good}\n{good.replace('0.5', 'abc', 1)}\n")
    with pytest.raises(RecordingError, match=r":2: not a number"):
        read_kinect(path)
    path.write_text("")
    with pytest.raises(LandmarkError, match="no frame has landmarks"):
        read_kinect(path)


def test_bad_openpose_json(tmp_path: Path) -> None:
    path = tmp_path / "op.json"
    frame = {"Nose": [0.1, 0.2], "Neck": [0.1, 0.3]}
    path.write_text(json.dumps({"positions": {"1.0": frame, "2.0": {"Tail": [0.1, 0.2]}}}))
    with pytest.raises(RecordingError, match=r"frame '2.0': unknown joint 'Tail'"):
        read_openpose(path)
    path.write_text(json.dumps({"positions": {"1.0": {"Nose": [0.1]}}}))
    with pytest.raises(RecordingError, match=r"joint 'Nose': expected 2 finite numbers"):
        read_openpose(path)
    path.write_text(json.dumps({"positions": {"0.5": frame}}))
    with pytest.raises(RecordingError, match=r"frame key '0.5'"):
        read_openpose(path)
    path.write_text("{not json")
    with pytest.raises(RecordingError, match="not a readable JSON"):
        read_openpose(path)
    path.write_text(json.dumps({"positions": {"1.0": frame, "3.0": frame}}))
    seq = read_openpose(path).sequence
    assert seq.presence.tolist() == [True, False, True]  # the gap stays a gap


def test_folder_errors_go_to_the_quarantine(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        manifest_rows(tmp_path / "nowhere")
    good = " ".join(["0.5"] * 175) + "\n"
    (tmp_path / f"{NAME.format('Kinect')}.txt").write_text(good)
    (tmp_path / "G3-Kinect-CTK-P1T1-Unknown-Z-0.txt").write_text(good)
    (tmp_path / "G1B-Kinect-CTK-S01-0001.txt").write_text(good)
    (tmp_path / "G3-Kinect-ELK-P1T1-Unknown-C-1.txt").write_text("1 2 3\n")
    quarantine = Quarantine("ingest")
    rows = manifest_rows(tmp_path, quarantine=quarantine, read=True)
    assert [r["sample_id"] for r in rows] == [NAME.format("Kinect")]
    reasons = " | ".join(quarantine.frame()["reason"])
    assert "unknown label 'Z'" in reasons
    assert "group 1B names carry no label" in reasons
    assert "3 values, expected 175" in reasons
    with pytest.raises(LabelError):
        manifest_rows(tmp_path)
