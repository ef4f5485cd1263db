from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import SyntheticConfig
from hawkeye.data import synthetic_gait
from hawkeye.data.synthetic_gait import ANNOTATIONS, generate
from hawkeye.features.gait import gait_features
from hawkeye.landmarks.sequence import load_sequence
from tests.conftest import folder_digest

CFG = SyntheticConfig(n_subjects=24, seed=3)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("gait"), CFG)


@pytest.fixture(scope="module")
def features(dataset: Path) -> pd.DataFrame:
    ann = pd.read_csv(dataset)
    rows = [
        {
            "label": rec.label,
            **gait_features(load_sequence(dataset.parent / rec.source, rec.layout, rec.fps)),
        }
        for rec in ann.itertuples()
    ]
    return pd.DataFrame(rows)


def test_generation_is_byte_identical(tmp_path: Path, dataset: Path) -> None:
    again = generate(tmp_path / "again", CFG)
    assert folder_digest(again.parent) == folder_digest(dataset.parent)
    other_seed = generate(tmp_path / "other", SyntheticConfig(n_subjects=24, seed=4))
    assert folder_digest(other_seed.parent) != folder_digest(dataset.parent)


def test_annotations_match_the_tapping_generator_columns(dataset: Path) -> None:
    ann = pd.read_csv(dataset)
    assert list(ann.columns) == [
        "sample_id",
        "subject_id",
        "task",
        "side",
        "label",
        "source",
        "fps",
        "dataset",
        "layout",
        "n_frames",
    ]
    assert len(ann) == 24 and ann["subject_id"].nunique() == 24 and ann["sample_id"].is_unique
    assert set(ann["task"]) == {"gait"} and set(ann["side"]) == {"both"}
    assert set(ann["dataset"]) == {"synthetic_gait"} and set(ann["layout"]) == {"mediapipe_pose_33"}
    assert set(ann["label"]) == {0, 1, 2, 3, 4}


def test_recordings_follow_the_landmark_contract(dataset: Path) -> None:
    ann = pd.read_csv(dataset)
    for rec in ann.itertuples():
        points = np.load(dataset.parent / rec.source)
        assert points.dtype == np.float32 and points.shape == (rec.n_frames, 33, 3)
        assert 10 * rec.fps <= points.shape[0] <= 15 * rec.fps
        assert np.isfinite(points).all()
        assert points[:, :, :2].min() > 0 and points[:, :, :2].max() < 1  # inside the frame
        assert np.abs(points[:, :, 2]).max() < 0.2  # z small, relative to the hips
        # Anatomy: head above shoulders above hips above knees above ankles (image y is down).
        y = points[:, :, 1].mean(axis=0)
        assert y[0] < y[11] < y[23] < y[25] < y[27]


def test_sessions_multiply_recordings(tmp_path: Path) -> None:
    ann = pd.read_csv(generate(tmp_path, SyntheticConfig(n_subjects=3, sessions=2, seed=1)))
    assert len(ann) == 6 and ann.groupby("subject_id").size().eq(2).all()


def test_severity_drives_the_gait(features: pd.DataFrame) -> None:
    by_label = features.groupby("label").mean(numeric_only=True)
    # Raters score slower, shorter, stiffer walking higher: each falls with the score.
    assert by_label["gait_cadence"].is_monotonic_decreasing
    assert by_label["gait_stride_amplitude_median"].is_monotonic_decreasing
    assert by_label["gait_arm_swing_mean"].is_monotonic_decreasing
    assert by_label.loc[4, "gait_step_time_cv"] > 2 * by_label.loc[0, "gait_step_time_cv"]
    assert (
        by_label.loc[4, "gait_trunk_sway_horizontal"]
        > 2 * by_label.loc[0, "gait_trunk_sway_horizontal"]
    )
    assert by_label.loc[4, "gait_arm_swing_asymmetry"] > by_label.loc[0, "gait_arm_swing_asymmetry"]
    assert by_label.loc[[0, 1], "gait_freeze_count"].eq(0).all()
    assert by_label.loc[4, "gait_freeze_fraction"] > 0


def test_cadence_matches_the_generator(features: pd.DataFrame) -> None:
    # Healthy walkers: 112 steps/min on average in the generator's profile.
    healthy = features.loc[features["label"] == 0, "gait_cadence"]
    assert healthy.mean() == pytest.approx(112, abs=6)


def test_generate_is_idempotent(dataset: Path) -> None:
    before = (dataset.parent / ANNOTATIONS).stat().st_mtime_ns
    generate(dataset.parent, CFG)
    assert (dataset.parent / ANNOTATIONS).stat().st_mtime_ns == before


def test_a_changed_config_regenerates(tmp_path: Path) -> None:
    generate(tmp_path, SyntheticConfig(n_subjects=2, seed=1))
    ann = pd.read_csv(generate(tmp_path, SyntheticConfig(n_subjects=3, seed=1)))
    assert len(ann) == 3


def test_freezing_stops_the_gait_phase() -> None:
    rng = np.random.default_rng(0)
    profile = synthetic_gait.GaitProfile.sample(4, rng)
    profile = synthetic_gait.GaitProfile(**{**profile.__dict__, "n_freezes": 1})
    cycle = synthetic_gait.gait_cycle(profile, 360, 30.0, rng)
    frozen = cycle.frozen > 0.99
    assert frozen.sum() >= 30  # at least a second
    assert np.ptp(cycle.phase[frozen]) == 0
