"""The ``hawkeye`` arrays under a declared layout: checked at ingest, and a file of the wrong
type named with the format that reads it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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


FIVE = {"name": "test_arrays_5", "joints": ["pelvis", "spine", "head", "lhand", "rhand"]}


def _dataset(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    good = rng.uniform(size=(20, 5, 3)).astype(np.float32)
    for i in range(4):
        np.save(tmp_path / f"ok{i}.npy", good + i)
    np.save(tmp_path / "four.npy", good[:, :4])
    np.save(tmp_path / "short.npy", good[:1])
    holes = good.copy()
    holes[:15, 2] = np.nan  # 15 of 20 frames lack the head
    np.savez(tmp_path / "holes.npz", points=holes, presence=~np.isnan(holes).any(axis=(1, 2)))
    (tmp_path / "S01_r0.csv").write_text("frame,pelvis_x\n0,1\n")
    rows = [(f"ok{i}", f"S{i}", i % 3, f"ok{i}.npy") for i in range(4)] + [
        ("four", "S5", 0, "four.npy"),
        ("short", "S6", 0, "short.npy"),
        ("holes", "S7", 0, "holes.npz"),
        ("S01_r0", "S8", 0, "S01_r0.csv"),
    ]
    path = tmp_path / "annotations.csv"
    pd.DataFrame(rows, columns=["sample_id", "subject_id", "label", "source"]).to_csv(
        path, index=False
    )
    return path


def test_a_declared_layout_is_checked_at_ingest(tmp_path: Path) -> None:
    cfg = DatasetConfig(
        name="lab", kind="landmarks", task="motion", path=str(_dataset(tmp_path)),
        layout=FIVE, fps=25, max_quarantine_share=0.5,
    )  # fmt: skip
    result = ingest(cfg)
    reasons = dict(zip(result.quarantine["sample_id"], result.quarantine["reason"], strict=True))
    assert list(result.manifest["sample_id"]) == ["ok0", "ok1", "ok2", "ok3"]
    assert set(result.manifest["layout"]) == {"test_arrays_5"}
    assert set(result.manifest["fps"]) == {25.0}
    assert set(result.quarantine["stage"]) == {"ingest"}
    assert reasons["four"] == "layout test_arrays_5 has 5 joints, array has 4"
    assert reasons["short"] == "short.npy: 1 frame(s), fewer than skeleton.min_frames 2"
    assert reasons["holes"] == (
        "holes.npz: 75% of the frames lack a joint coordinate (NaN), more than "
        "skeleton.max_nan_share 50%"
    )
    assert reasons["S01_r0"] == (
        "S01_r0.csv: a CSV table, but dataset.format is hawkeye (.npy/.npz arrays); "
        "set format: skeleton_table"
    )
    features = build_features(result.manifest, cfg)
    assert len(features.features) == 4 and features.quarantine.empty


def test_without_a_declaration_only_the_file_type_is_checked_at_ingest(tmp_path: Path) -> None:
    """Undeclared ``hawkeye`` datasets keep their landmark-step checks (and figures)."""
    cfg = DatasetConfig(
        name="lab", kind="landmarks", path=str(_dataset(tmp_path)), fps=30,
        max_quarantine_share=0.9,
    )  # fmt: skip
    result = ingest(cfg)
    assert len(result.manifest) == 7
    assert list(result.quarantine["sample_id"]) == ["S01_r0"]
    row = {"source": str(tmp_path / "S01_r0.csv"), "fps": 30}
    try:
        formats.load_recording(row, "hawkeye")
    except ValueError as exc:  # the landmark step's reader says the same
        assert "set format: skeleton_table" in str(exc)
    else:
        raise AssertionError("a CSV read as arrays")
