"""``format: skeleton_table``: a lab's own joint table read as the run configuration declares.

Every table is written here, a few frames by hand, and the expected positions, frame rates
and reasons are read off those lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from hawkeye.config import DatasetConfig
from hawkeye.data import formats
from hawkeye.data.ingest import ingest
from hawkeye.features.extract import build_features
from hawkeye.landmarks.sequence import JOINT_LAYOUTS, LAYOUTS


@pytest.fixture(autouse=True)
def _forget_declared_layouts() -> Iterator[None]:
    """Layouts a test declares leave with it (the sequence models infer by registration order)."""
    before = dict(LAYOUTS), dict(JOINT_LAYOUTS)
    yield
    for registry, saved in zip((LAYOUTS, JOINT_LAYOUTS), before, strict=True):
        registry.clear()
        registry.update(saved)


LAYOUT = {
    "name": "test_lab_3",
    "joints": ["pelvis", "head", "hand"],
    "bones": [["pelvis", "head"], ["head", "hand"]],
    "root": "pelvis",
}


def _cfg(path: Path, **extra: object) -> DatasetConfig:
    return DatasetConfig(
        name="lab",
        kind="landmarks",
        task="motion",
        format="skeleton_table",
        path=str(path),
        layout=LAYOUT,
        max_quarantine_share=0.9,
        **extra,
    )


def _labels(tmp_path: Path, rows: list[tuple[str, str, int, str]], **cols: list) -> Path:
    frame = pd.DataFrame(rows, columns=["sample_id", "subject_id", "label", "source"])
    for name, values in cols.items():
        frame[name] = values
    path = tmp_path / "labels.csv"
    frame.to_csv(path, index=False)
    return path


WIDE = """frame,pelvis_x,pelvis_y,pelvis_z,head_x,head_y,head_z,hand_x,hand_y,hand_z
1,0,0,0,0,1,0,1,1,0
0,0,0,0,0,1,0,0.5,1,0
2,0,0,0,0,1,0,1.5,1,0
"""


def test_declared_layout_is_registered_with_its_bones() -> None:
    _cfg(Path("x.csv"))
    layout = LAYOUTS["test_lab_3"]
    assert layout.names == ("pelvis", "head", "hand")
    assert layout.parents == (-1, 0, 1) and layout.root == (0,)
    with pytest.raises(ValidationError, match="not in joints: \\['knee'\\]"):
        _cfg(Path("x.csv")).model_validate(
            {**_cfg(Path("x.csv")).model_dump(), "layout": {**LAYOUT, "root": "knee"}}
        )
    with pytest.raises(ValidationError, match=r"needs dataset\.layout"):
        DatasetConfig(name="l", kind="landmarks", format="skeleton_table", path="x.csv")


def test_wide_one_file_a_recording(tmp_path: Path) -> None:
    (tmp_path / "r0.csv").write_text(WIDE)
    result = ingest(_cfg(_labels(tmp_path, [("r0", "S1", 2, "r0.csv")]), fps=30))
    row = result.manifest.iloc[0]
    assert (row["layout"], row["fps"], row["n_frames"]) == ("test_lab_3", 30.0, 3)
    seq = formats.load_recording(row)  # re-read from the manifest row alone
    assert seq.points.shape == (3, 3, 3) and seq.fps == 30.0
    # sorted by frame: the hand's x is 0.5, 1, 1.5 over frames 0, 1, 2
    assert seq.points[:, 2, 0].tolist() == [0.5, 1.0, 1.5]
    assert seq.points[0, 1].tolist() == [0.0, 1.0, 0.0]


def test_long_one_table_many_recordings_with_fps_column(tmp_path: Path) -> None:
    lines = ["rec,frame,joint,x,y,z,rate"]
    for rec, rate in (("a", 25), ("b", 50)):
        for f in range(2):
            for j, name in enumerate(("hand", "pelvis", "head")):  # any row order
                lines.append(f"{rec},{f},{name},{j + f},{10 * j},{100 * f},{rate}")
    (tmp_path / "all.csv").write_text("\n".join(lines) + "\n")
    labels = _labels(tmp_path, [("a", "S1", 0, "all.csv"), ("b", "S2", 1, "all.csv")])
    cfg = _cfg(labels, skeleton={"shape": "long", "recording": "rec", "fps_column": "rate"})
    manifest = ingest(cfg).manifest.set_index("sample_id")
    assert manifest["fps"].to_dict() == {"a": 25.0, "b": 50.0}
    seq = formats.load_recording(manifest.loc["b"].to_dict() | {"sample_id": "b"})
    # layout order pelvis, head, hand: file order hand(j=0), pelvis(j=1), head(j=2)
    assert seq.points[1, :, 0].tolist() == [2.0, 3.0, 1.0]  # x = j + f at f = 1
    assert seq.points[1, :, 1].tolist() == [10.0, 20.0, 0.0]
    assert seq.points[1, :, 2].tolist() == [100.0, 100.0, 100.0]


def test_time_column_two_axes_and_renamed_columns(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text(
        "n,t,pelvis_u,pelvis_v,head_u,head_v,hand_u,hand_v\n"
        "0,0.00,0,0,0,1,1,1\n1,0.02,0,0,0,1,1,2\n2,0.04,0,0,0,1,1,3\n"
    )
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,person,score,file\nr,P1,3,r.csv\n")
    cfg = _cfg(
        sheet,
        columns={"id": "sample_id", "person": "subject_id", "score": "label", "file": "source"},
        skeleton={"frame": "n", "time_column": "t", "axes": ["u", "v"]},
    )
    row = ingest(cfg).manifest.iloc[0]
    assert row["fps"] == pytest.approx(50.0)  # 1 / 0.02 s
    seq = formats.load_recording(row)
    assert seq.points[:, 2].tolist() == [[1, 1, 0], [1, 2, 0], [1, 3, 0]]  # z = 0


def test_bad_recordings_are_quarantined_at_ingest_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "ok.csv").write_text(WIDE)
    (tmp_path / "short.csv").write_text(WIDE.splitlines()[0] + "\n0,0,0,0,0,1,0,1,1,0\n")
    extra = "".join(f",knee_{a}" for a in "xyz")
    (tmp_path / "joints.csv").write_text(
        "frame,pelvis_x,pelvis_y,pelvis_z,hand_x,hand_y,hand_z" + extra + "\n0,0,0,0,1,1,0,2,2,2\n"
    )
    (tmp_path / "holes.csv").write_text(  # frames 1 and 2 lack head_y: 2 of 3 frames absent
        WIDE.replace("1,0,0,0,0,1,0,1,1,0", "1,0,0,0,0,,0,1,1,0").replace(
            "2,0,0,0,0,1,0,1.5", "2,0,0,0,0,nan,0,1.5"
        )
    )
    np.save(tmp_path / "array.npy", np.zeros((3, 3, 3), dtype=np.float32))
    rows = [
        ("ok", "S1", 0, "ok.csv"),
        ("short", "S2", 0, "short.csv"),
        ("joints", "S3", 0, "joints.csv"),
        ("holes", "S4", 0, "holes.csv"),
        ("array", "S5", 0, "array.npy"),
        ("gone", "S6", 0, "gone.csv"),
    ]
    result = ingest(_cfg(_labels(tmp_path, rows), fps=30))
    reasons = dict(zip(result.quarantine["sample_id"], result.quarantine["reason"], strict=True))
    assert list(result.manifest["sample_id"]) == ["ok"]
    assert set(result.quarantine["stage"]) == {"ingest"}
    assert reasons["short"] == "short.csv: 1 frame(s), fewer than skeleton.min_frames 2"
    assert reasons["joints"] == (
        "joints.csv: 3 joint(s) in the table, layout test_lab_3 has 3; missing: head_x; "
        "not in the layout: knee"
    )
    assert reasons["holes"] == (
        "holes.csv: 67% of the frames lack a joint coordinate (NaN), more than "
        "skeleton.max_nan_share 50%"
    )
    assert reasons["array"] == (
        "array.npy: a NumPy array (.npy), but dataset.format is skeleton_table "
        "(CSV/parquet tables); set format: hawkeye"
    )
    assert reasons["gone"].startswith("landmark file not found: ")


def test_a_table_runs_through_the_landmark_step(tmp_path: Path) -> None:
    rows = []
    for i in range(4):
        (tmp_path / f"r{i}.csv").write_text(WIDE.replace("1.5", str(1.5 + i)))
        rows.append((f"r{i}", f"S{i}", i % 2, f"r{i}.csv"))
    cfg = _cfg(_labels(tmp_path, rows), fps=30)
    result = build_features(ingest(cfg).manifest, cfg)
    assert len(result.features) == 4 and result.quarantine.empty
    assert result.features["skeleton_read"].notna().all()  # sequence nets re-read by it
