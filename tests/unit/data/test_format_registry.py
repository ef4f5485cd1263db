"""The skeleton format registry: every format is complete, and a new one needs no other file.

The last tests define a format here, in the test file (a reader of a plain
text layout, with its own joint layout), register it, and run it through
config validation, ingest, the fingerprint, the landmark step and the
sequence models' loader: no project file names it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from hawkeye.config import DatasetConfig
from hawkeye.data import formats
from hawkeye.data.fingerprint import dataset_fingerprint
from hawkeye.data.ingest import ingest
from hawkeye.data.quarantine import Quarantine
from hawkeye.data.readers import registry
from hawkeye.data.readers.base import LabelError, RecordingError, make_sequence
from hawkeye.data.readers.registry import SkeletonFormat, UnknownFormat
from hawkeye.features.extract import build_features
from hawkeye.features.motion import motion_channels
from hawkeye.features.table import feature_columns
from hawkeye.landmarks import sequence as landmarks
from hawkeye.landmarks.sequence import JOINT_LAYOUTS, LAYOUTS, LandmarkSequence

# Where the shared public data holds a sample of each shipped format (folder, then glob).
SHARED = {
    "keraal": ("keraal", "G3-Kinect-*"),
    "msr_action3d": ("msr_action3d/skeletons", "a01_s0[12]_*"),
    "natops": ("natops", "NATOPS_TEST.ts"),
    "uiprmd": ("ui_prmd/kinect_positions", "**/m01_s01_*"),
    "uiprmd_absolute": ("ui_prmd/kinect_positions", "**/m01_s01_*"),
    "uiprmd_angles": ("ui_prmd/kinect_positions", "**/m01_s01_*"),
    "uiprmd_absolute_angles": ("ui_prmd/kinect_positions", "**/m01_s01_*"),
}


def test_the_shipped_formats_are_registered() -> None:
    assert set(SHARED) <= set(registry.names())
    assert formats.FORMATS is registry.FORMATS and "natops" in formats.FORMATS


@pytest.mark.parametrize("name", registry.names())
def test_every_format_is_complete(name: str) -> None:
    fmt = registry.get(name)
    assert fmt.name == name and fmt.patterns and all(fmt.patterns)
    assert fmt.description and "\n" not in fmt.description
    assert callable(fmt.manifest_rows) and callable(fmt.load_sequence)
    assert formats.fingerprint(name, Path("/nonexistent/folder")) == "missing"


@pytest.mark.real_data
@pytest.mark.parametrize("name", registry.names())
def test_every_format_loads(name: str, shared_data: Path) -> None:
    if name not in SHARED or not (shared_data / SHARED[name][0]).is_dir():
        pytest.skip(f"no shared sample of {name}")
    path = shared_data / SHARED[name][0] / SHARED[name][1]
    quarantine = Quarantine("ingest")
    rows = formats.manifest_rows(name, path, quarantine)
    assert rows and all(r["layout"] in JOINT_LAYOUTS for r in rows)
    row = pd.Series(rows[0] | {"format": name})
    seq = formats.load_recording(row)
    assert isinstance(seq, LandmarkSequence) and seq.layout == rows[0]["layout"]
    assert seq.points.shape[1] == JOINT_LAYOUTS[seq.layout]
    assert len(formats.fingerprint(name, path)) == 32


def test_an_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(UnknownFormat, match="unknown skeleton format 'nope'; known: ") as err:
        registry.get("nope")
    assert all(name in str(err.value) for name in registry.names())
    with pytest.raises(ValueError, match="known: "):
        formats.manifest_rows("nope", Path("."), Quarantine("ingest"))
    with pytest.raises(ValidationError) as bad:
        DatasetConfig(name="x", kind="landmarks", path="x", format="nope")
    message = str(bad.value)
    assert "unknown dataset.format 'nope'; known: hawkeye, park" in message
    assert all(name in message for name in registry.names())
    with pytest.raises(ValidationError, match="needs kind: landmarks"):
        DatasetConfig(name="x", kind="videos", path="x", format="msr_action3d")
    for builtin in ("hawkeye", "park"):
        DatasetConfig(name="x", kind="feature_table", path="x", format=builtin)


def test_register_refuses_what_the_pipeline_cannot_use() -> None:
    fmt = registry.get("natops")
    for bad, why in [
        ({"name": "park"}, "reserved"),
        ({"name": "two words"}, "identifier"),
        ({"name": "x", "patterns": ()}, "no file patterns"),
        ({}, "already registered"),
    ]:
        kw = {f: getattr(fmt, f) for f in fmt.__dataclass_fields__} | {"description": "d"} | bad
        with pytest.raises(ValueError, match=why):
            registry.register(SkeletonFormat(**kw))
    with pytest.raises(ValueError, match="cannot redefine"):
        landmarks.register_layout("natops_8", 9)


def test_layout_inference_order_is_unchanged() -> None:
    """The sequence models take the first layout with a file's joint count.

    Only the built-in joint counts are compared: other tests in the same process declare
    layouts of their own (5 or 7 joints), which come after every built-in one anyway.
    """
    first: dict[int, str] = {}
    for name, joints in JOINT_LAYOUTS.items():
        first.setdefault(joints, name)
    expected = {
        21: "mediapipe_hand_21", 33: "mediapipe_pose_33", 25: "kinect_v2_25",
        20: "kinect_v1_20", 18: "coco_18", 17: "coco_17", 22: "uiprmd_kinect_22", 8: "natops_8",
        44: "uiprmd_kinect_22_absolute_angles",
    }  # fmt: skip
    assert {k: first.get(k) for k in expected} == expected
    assert LAYOUTS["uiprmd_kinect_22"].parents[:2] == (-1, 0)
    assert LAYOUTS["msr_action3d_20"].names[0] == "left_shoulder"
    assert LAYOUTS["mediapipe_pose_33"].root == (23, 24)


def test_importing_the_config_imports_no_reader_nor_heavy_library() -> None:
    code = (
        "import sys, hawkeye.config as c\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('torch', 'mediapipe', 'zenml')]\n"
        "assert not heavy and 'hawkeye.data.readers' not in sys.modules, heavy\n"
        "assert 'natops' in c.SKELETON_FORMATS\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---- a format defined here, and nowhere else ----
#
# ``*.tiny``: a first line ``subject label``, then takes separated by ``---`` lines, one
# frame a line of 3 joints x (x y z). One manifest row a take, re-read by ``take``.

TINY_LAYOUT = "tiny_test_3"
TINY_JOINTS = ("hip", "neck", "head")


def _tiny_takes(path: Path) -> tuple[str, int, list[np.ndarray]]:
    lines = path.read_text().splitlines()
    subject, label = lines[0].split()
    takes, frames = [], []
    for i, line in enumerate([*lines[1:], "---"], start=2):
        if line.strip() == "---":
            takes.append(np.array(frames, dtype=np.float32).reshape(-1, 3, 3))
            frames = []
            continue
        values = line.split()
        if len(values) != 9:
            raise RecordingError(f"{path.name}:{i}: {len(values)} values, a frame has 9")
        frames.append([float(v) for v in values])
    return subject, int(label), takes


def _tiny_rows(path: Path, quarantine: Quarantine | None) -> list[dict[str, Any]]:
    from hawkeye.data.readers.base import collect_rows, source_files

    def rows_of(file: Path) -> list[dict[str, Any]]:
        subject, label, takes = _tiny_takes(file)
        if label not in (0, 1):
            raise LabelError(f"{file.name}: label {label} is not 0 or 1")
        return [
            {"sample_id": f"{file.stem}_{k}", "subject_id": subject, "task": "tiny",
             "side": "unknown", "label": label, "source": str(file), "fps": 10.0,
             "dataset": "tiny", "layout": TINY_LAYOUT, "take": k, "n_frames": len(t)}
            for k, t in enumerate(takes)
        ]  # fmt: skip

    files = source_files(path, ("*.tiny",))
    per_file = collect_rows(files, lambda f: {"rows": rows_of(f)}, quarantine)
    return [row for group in per_file for row in group["rows"]]


def _tiny_load(path: Path, row: Mapping[str, Any]) -> LandmarkSequence:
    points = _tiny_takes(path)[2][int(row["take"])]
    return make_sequence(path, points, np.ones(len(points), bool), TINY_LAYOUT, float(row["fps"]))


@pytest.fixture
def tiny() -> Iterator[SkeletonFormat]:
    formats_before, layouts_before = dict(registry._FORMATS), dict(LAYOUTS)
    landmarks.register_layout(TINY_LAYOUT, TINY_JOINTS, parents=(-1, 0, 1), root=(0,),
                              size=((0,), (1,)))  # fmt: skip
    fmt = registry.register(
        SkeletonFormat(
            name="tiny_test",
            description="a test's own format: takes of 3 joints in a text file",
            patterns=("*.tiny",),
            manifest_rows=_tiny_rows,
            load_sequence=_tiny_load,
            reload_columns=("take",),
        )
    )
    yield fmt
    for table, before in ((registry._FORMATS, formats_before), (LAYOUTS, layouts_before)):
        table.clear()
        table.update(before)
    JOINT_LAYOUTS.clear()
    JOINT_LAYOUTS.update({name: layout.joints for name, layout in LAYOUTS.items()})


def _write_tiny(path: Path, subject: str, label: int, takes: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    body = []
    for _ in range(takes):
        frames = rng.normal(size=(25, 9)) + np.tile([0, 0, 0, 0, 1, 0, 0, 2, 0], (25, 1))
        body += [" ".join(f"{v:.4f}" for v in frame) for frame in frames] + ["---"]
    path.write_text("\n".join([f"{subject} {label}", *body[:-1]]) + "\n")


def _tiny_cfg(path: Path, **kw: Any) -> DatasetConfig:
    return DatasetConfig(name="tiny", kind="landmarks", format="tiny_test", path=str(path),
                         task="motion", max_label=1, **kw)  # fmt: skip


def test_a_format_defined_in_a_test_runs_end_to_end(tmp_path: Path, tiny: SkeletonFormat) -> None:
    folder = tmp_path / "tiny"
    folder.mkdir()
    for i, (subject, label) in enumerate([("p1", 0), ("p2", 1), ("p3", 0), ("p4", 1)]):
        _write_tiny(folder / f"rec{i}.tiny", subject, label, takes=2, seed=i)
    (folder / "broken.tiny").write_text("p9 0\n1 2 3\n")
    cfg = _tiny_cfg(folder, max_quarantine_share=0.5)
    with pytest.raises(ValidationError, match="needs kind: landmarks"):
        DatasetConfig(name="t", kind="videos", format="tiny_test", path=str(folder))

    result = ingest(cfg)
    m = result.manifest
    assert len(m) == 8 and set(m["format"]) == {"tiny_test"} and set(m["layout"]) == {TINY_LAYOUT}
    assert list(result.quarantine["sample_id"]) == ["broken.tiny"]
    assert "broken.tiny:2: 3 values" in result.quarantine["reason"].iloc[0]

    first = dataset_fingerprint(cfg)
    assert first == dataset_fingerprint(cfg)
    _write_tiny(folder / "rec9.tiny", "p5", 1, takes=1, seed=9)
    assert dataset_fingerprint(cfg) != first

    features = build_features(m, cfg).features
    assert len(features) == 8 and "take" in features.columns  # travels to sequence models
    assert "take" not in feature_columns(features)  # ... and is no feature
    assert len([c for c in features.columns if c.startswith("motion_")]) == 3 * 9 * 6 + 1

    # The sequence models re-read a recording from its feature-table row alone.
    row = features.iloc[3]
    seq = formats.load_recording(row)
    assert seq.layout == TINY_LAYOUT and seq.n_frames == 25
    assert np.allclose(seq.points, _tiny_takes(folder / "rec1.tiny")[2][1])
    channels = motion_channels(seq)
    assert np.allclose(channels[:, 0, :3], 0)  # the layout's own root (hip) is the origin


def test_the_sequence_models_loader_reads_the_new_format(
    tmp_path: Path, tiny: SkeletonFormat
) -> None:
    pytest.importorskip("torch")
    from hawkeye.models.sequence.data import load_arrays

    folder = tmp_path / "tiny"
    folder.mkdir()
    for i in range(2):
        _write_tiny(folder / f"rec{i}.tiny", f"p{i}", i, takes=1, seed=i)
    cfg = _tiny_cfg(folder)
    features = build_features(ingest(cfg).manifest, cfg).features
    arrays = load_arrays(features, velocity=True, acceleration=True)
    assert [a.shape for a in arrays] == [(25, 3 * 9), (25, 3 * 9)]


def test_load_recording_reads_landmark_files_as_both_callers_did(tmp_path: Path) -> None:
    points = np.random.default_rng(0).normal(size=(12, 21, 3)).astype(np.float32)
    np.save(tmp_path / "hand.npy", points)
    row = pd.Series({"source": str(tmp_path / "hand.npy"), "fps": 30.0, "width": 640,
                     "height": 480, "layout": np.nan})  # fmt: skip
    seq = formats.load_recording(row, "hawkeye")  # the landmark step
    assert seq.layout == "mediapipe_hand_21" and seq.frame_size == (640, 480)
    row = row.drop(["width", "height"])
    row["fps"] = np.nan
    seq = formats.load_recording(row, default_layout=lambda p: "mediapipe_hand_21",
                                 default_fps=30.0)  # fmt: skip
    assert seq.fps == 30.0 and seq.n_frames == 12
    row["source"] = str(tmp_path / "nope.npy")
    with pytest.raises(landmarks.LandmarkError, match="landmark file not found"):
        formats.load_recording(row, default_layout=lambda p: "x")
