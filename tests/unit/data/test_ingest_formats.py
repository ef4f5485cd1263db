"""Ingest of the public skeleton formats (dataset.format): real files, quarantine, extra labels."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import DatasetConfig, load_run_config
from hawkeye.data.ingest import DatasetError, ingest
from hawkeye.data.quarantine import QuarantineExceeded
from hawkeye.features.extract import build_features
from hawkeye.features.motion_summary import motion_features

ROOT = Path(__file__).resolve().parents[3]


def _cfg(fmt: str, path: str | Path, max_label: int, **kw: object) -> DatasetConfig:
    return DatasetConfig(
        name=fmt, kind="landmarks", format=fmt, path=str(path), task="motion",
        max_label=max_label, **kw,
    )  # fmt: skip


@pytest.mark.real_data
def test_natops_folder_and_single_file(shared_data: Path) -> None:
    both = ingest(_cfg("natops", shared_data / "natops", 5))
    assert len(both.manifest) == 360 and both.quarantine.empty
    assert both.manifest["split"].value_counts().to_dict() == {"train": 180, "test": 180}
    assert set(both.manifest["label"]) == set(range(6))
    assert both.manifest["source"].iloc[0].endswith("NATOPS_TRAIN.ts")
    test = ingest(_cfg("natops", shared_data / "natops" / "NATOPS_TEST.ts", 5))
    assert len(test.manifest) == 180 and set(test.manifest["split"]) == {"test"}
    merged = both.manifest[both.manifest.split == "test"].reset_index(drop=True)
    assert (merged["label"] == test.manifest["label"]).all()


@pytest.mark.real_data
def test_msr_action3d_cross_subject_column_and_the_empty_file(shared_data: Path) -> None:
    result = ingest(_cfg("msr_action3d", shared_data / "msr_action3d" / "skeletons", 19))
    m = result.manifest
    assert len(m) == 566 and m["label"].between(0, 19).all() and m["action"].nunique() == 20
    # The one all-zero recording is refused by the reader and quarantined with its reason.
    assert list(result.quarantine["sample_id"]) == ["a13_s09_e02_skeleton3D.txt"]
    assert "no frame has landmarks" in result.quarantine["reason"].iloc[0]
    train = set(m.loc[m.split == "train", "subject_id"])
    assert train == {"s01", "s03", "s05", "s07", "s09"}
    assert not train & set(m.loc[m.split == "test", "subject_id"])
    assert m["in_cvpr12"].sum() == 557  # the all-zero file is not among the paper's 557
    assert (m["n_frames"] > 0).all()
    # Sources point into the shared folder portably, whatever its absolute path.
    assert m["source"].str.startswith("shared:msr_action3d/").all()


@pytest.mark.real_data
def test_uiprmd_subset_through_a_glob(shared_data: Path) -> None:
    path = shared_data / "ui_prmd" / "kinect_positions" / "*" / "m0[12]_s0[1-3]_e01_*"
    m = ingest(_cfg("uiprmd", path, 1)).manifest
    assert len(m) == 2 * 3 * 2  # movements x subjects x (correct, incorrect)
    assert set(m["label"]) == {0, 1} and set(m["movement"]) == {"deep squat", "hurdle step"}
    assert set(m["episode"]) == {"e01"} and m["sample_id"].is_unique


@pytest.mark.real_data
def test_keraal_one_modality_a_glob_and_mixed_layouts_refused(shared_data: Path) -> None:
    with pytest.raises(DatasetError, match="mixes joint layouts"):
        ingest(_cfg("keraal", shared_data / "keraal", 3))
    result = ingest(_cfg("keraal", shared_data / "keraal" / "G*-Kinect-*", 3))
    m = result.manifest
    assert sorted(m["task"]) == ["CTK", "ELK", "RTK"] and set(m["layout"]) == {"kinect_v2_25"}
    assert set(m["error_type"]) == {"correct"} and (m["label"] == 0).all()
    assert {"body_part_code", "segments", "group", "recording_key"} <= set(m.columns)
    features = build_features(m, _cfg("keraal", "unused", 3)).features
    assert len(features) == 3 and "motion_00_vx_stdev" in features.columns


@pytest.mark.real_data
def test_keraal_recipe_validates_and_ingests_on_the_samples(shared_data: Path) -> None:
    """The full-dataset recipe (too few samples here to train): ingest only."""
    cfg = load_run_config(ROOT / "pipelines" / "configs" / "keraal_loso.yaml")
    assert cfg.split.strategy == "leave_one_subject_out" and cfg.dataset.format == "keraal"
    pattern = Path(cfg.dataset.path).name  # the recipe's file pattern, on the shared samples
    result = ingest(cfg.dataset.model_copy(update={"path": str(shared_data / "keraal" / pattern)}))
    assert list(result.manifest["sample_id"]) == ["G3-Kinect-CTK-P1T1-Unknown-C-0"]


def _kinect(path: Path, frames: int = 40) -> Path:
    rng = np.random.default_rng(len(path.name))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(path, rng.normal(0, 0.3, (frames, 25 * 7)), fmt="%.5f")
    return path


def _anvil(path: Path, evaluation: str, error: str = "none", body: str = "") -> Path:
    part = f'<attribute name="bodyPart">{body}</attribute>' if body else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><annotation><body>'
        '<track name="Global evaluation" type="primary"><el index="0" start="0" end="4.1">'
        f'<attribute name="evaluation">{evaluation}</attribute></el></track>'
        '<track name="Global error" type="primary"><el index="0" start="0" end="4.1">'
        f'<attribute name="type">{error}</attribute>{part}</el></track>'
        '<track name="Temporal error" type="primary"><el index="0" start="1.2" end="2.5">'
        f'<attribute name="type">{error}</attribute></el></track>'
        "</body></annotation>"
    )
    return path


def test_keraal_anvil_labels_segments_and_unlabelled_groups(tmp_path: Path) -> None:
    """Groups 1A/2A take their label from a matching Anvil file; 1B is quarantined."""
    root = tmp_path / "keraal"
    _kinect(root / "group1A" / "kinect" / "G1A-Kinect-CTK-S01-12.txt")
    _kinect(root / "group1A" / "kinect" / "G1A-Kinect-CTK-S02-13.txt")
    _kinect(root / "group1B" / "kinect" / "G1B-Kinect-CTK-S07-99.txt")
    _kinect(root / "group3" / "kinect" / "G3-Kinect-CTK-P2T1-Unknown-E2B1-4.txt")
    _anvil(
        root / "group1A" / "annotatorA" / "G1A-CTK-S01-12.anvil", "Incorrect", "Error2", "LeftArm"
    )
    _anvil(root / "group1A" / "annotatorB" / "G1A-CTK-S01-12.anvil", "Correct")  # A wins
    _anvil(root / "group1A" / "annotatorA" / "G1A-Video-CTK-S02-13.anvil", "Correct")
    result = ingest(_cfg("keraal", root, 3, max_quarantine_share=0.5))
    m = result.manifest.set_index("sample_id")
    s01 = m.loc["G1A-Kinect-CTK-S01-12"]
    assert (s01["label"], s01["error_type"], s01["body_part"]) == (2, "error2", "LeftArm")
    assert "annotatorA" in s01["annotation"] and s01["subject_id"] == "G1A-S01"
    segments = json.loads(s01["segments"])
    temporal = [s for s in segments if s["track"] == "Temporal error"]
    assert temporal == [{"track": "Temporal error", "start": 1.2, "end": 2.5, "label": "Error2",
                         "type": "Error2"}]  # fmt: skip
    assert m.loc["G1A-Kinect-CTK-S02-13", "label"] == 0  # matched with a modality token
    g3 = m.loc["G3-Kinect-CTK-P2T1-Unknown-E2B1-4"]
    assert (g3["label"], g3["error_type"], g3["body_part_code"]) == (2, "error2", 1)
    assert pd.isna(g3["segments"])  # no annotation file for it
    reasons = dict(zip(result.quarantine["sample_id"], result.quarantine["reason"], strict=True))
    assert "carry no label" in reasons["G1B-Kinect-CTK-S07-99.txt"]
    result.manifest.to_parquet(tmp_path / "manifest.parquet")  # mixed None/str/int columns


def test_bad_files_are_quarantined_with_the_readers_reason(tmp_path: Path) -> None:
    folder = tmp_path / "msr"
    folder.mkdir()
    good = np.random.default_rng(0).normal(size=(20 * 30, 4))
    for s in (1, 2, 3, 4):
        np.savetxt(folder / f"a01_s{s:02d}_e01_skeleton3D.txt", good, fmt="%.4f")
    np.savetxt(folder / "a02_s01_e01_skeleton3D.txt", good[:-3], fmt="%.4f")  # cut mid-frame
    (folder / "a02_s02_e01_skeleton3D.txt").write_text("1 2 3 oops\n")
    result = ingest(_cfg("msr_action3d", folder, 19, max_quarantine_share=0.5))
    reasons = dict(zip(result.quarantine["sample_id"], result.quarantine["reason"], strict=True))
    assert len(result.manifest) == 4 and len(reasons) == 2
    assert "not a whole number of 20-joint frames" in reasons["a02_s01_e01_skeleton3D.txt"]
    assert reasons["a02_s02_e01_skeleton3D.txt"].startswith(
        "a02_s02_e01_skeleton3D.txt:1: not a number"
    )
    with pytest.raises(QuarantineExceeded, match="2 of 6 inputs quarantined"):
        ingest(_cfg("msr_action3d", folder, 19, max_quarantine_share=0.2))


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        ingest(_cfg("uiprmd", tmp_path / "nowhere", 1))
    with pytest.raises(ValueError, match="kind: landmarks"):
        DatasetConfig(name="x", kind="videos", path="x", format="natops")


def test_motion_features_have_stable_names(tmp_path: Path) -> None:
    from hawkeye.landmarks.sequence import LandmarkSequence

    rng = np.random.default_rng(1)
    a = LandmarkSequence(rng.normal(size=(50, 8, 3)).astype("float32"), np.ones(50, bool),
                         "natops_8", 20.0)  # fmt: skip
    b = LandmarkSequence(rng.normal(size=(31, 8, 3)).astype("float32"), np.ones(31, bool),
                         "natops_8", 20.0)  # fmt: skip
    fa, fb = motion_features(a), motion_features(b)
    assert list(fa) == list(fb) and len(fa) == 8 * 9 * 6 + 1
    assert fa["motion_duration_s"] == 2.5
    assert {"motion_00_x_median", "motion_07_az_stdev"} <= set(fa)
    assert all(np.isfinite(v) for v in fa.values())


def test_shared_sources_stay_portable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    folder = shared / "msr"
    folder.mkdir(parents=True)
    frames = np.random.default_rng(0).normal(size=(20 * 10, 4))
    for s in (1, 2):
        np.savetxt(folder / f"a01_s{s:02d}_e01_skeleton3D.txt", frames + s, fmt="%.4f")
    monkeypatch.setenv("HAWKEYE_SHARED_DATA", str(shared))
    m = ingest(_cfg("msr_action3d", "shared:msr", 19)).manifest
    assert list(m["source"]) == [
        "shared:msr/a01_s01_e01_skeleton3D.txt",
        "shared:msr/a01_s02_e01_skeleton3D.txt",
    ]
    moved = tmp_path / "elsewhere"
    shutil.copytree(shared, moved)
    monkeypatch.setenv("HAWKEYE_SHARED_DATA", str(moved))
    shutil.rmtree(shared)
    features = build_features(m, _cfg("msr_action3d", "shared:msr", 19)).features
    assert len(features) == 2


def test_fingerprint_changes_when_a_recording_is_added(tmp_path: Path) -> None:
    from hawkeye.data.formats import fingerprint

    folder = tmp_path / "msr"
    folder.mkdir()
    frames = np.random.default_rng(0).normal(size=(20 * 10, 4))
    np.savetxt(folder / "a01_s01_e01_skeleton3D.txt", frames, fmt="%.4f")
    first = fingerprint("msr_action3d", folder)
    assert first == fingerprint("msr_action3d", folder)
    np.savetxt(folder / "a01_s02_e01_skeleton3D.txt", frames, fmt="%.4f")
    assert fingerprint("msr_action3d", folder) != first
    assert fingerprint("msr_action3d", tmp_path / "nowhere") == "missing"
