from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import DatasetConfig, SyntheticConfig
from hawkeye.data.ingest import ingest
from hawkeye.data.synthetic import ANNOTATIONS, generate
from hawkeye.features.extract import build_features
from hawkeye.landmarks.sequence import load_sequence
from tests.conftest import folder_digest


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("syn"), SyntheticConfig(n_subjects=20, seed=3))


def test_generation_is_byte_identical(tmp_path: Path, dataset: Path) -> None:
    again = generate(tmp_path / "again", SyntheticConfig(n_subjects=20, seed=3))
    assert folder_digest(again.parent) == folder_digest(dataset.parent)
    other_seed = generate(tmp_path / "other", SyntheticConfig(n_subjects=20, seed=4))
    assert folder_digest(other_seed.parent) != folder_digest(dataset.parent)


def test_recordings_follow_the_landmark_contract(dataset: Path) -> None:
    ann = pd.read_csv(dataset)
    assert len(ann) == 40 and set(ann["side"]) == {"left", "right"}
    assert ann["subject_id"].nunique() == 20
    assert set(ann["label"]) == {0, 1, 2, 3, 4}
    for _, row in ann.iterrows():
        seq = load_sequence(dataset.parent / row["source"])  # frame size and fps from the file
        points = seq.points
        assert seq.frame_size == (1280, 720) and seq.fps == row["fps"]
        assert seq.layout == row["layout"] and seq.presence.all()
        assert points.dtype == np.float32 and points.shape[1:] == (21, 3)
        assert 10 * row["fps"] <= points.shape[0] <= 15 * row["fps"]
        assert np.isfinite(points).all()
        assert points[:, :, :2].min() > 0 and points[:, :, :2].max() < 1  # inside the frame


def test_severity_drives_the_kinematics(dataset: Path) -> None:
    cfg = DatasetConfig(name="syn", kind="landmarks", path=str(dataset))
    feats = build_features(ingest(cfg).manifest, cfg).features
    by_label = feats.groupby("label").mean(numeric_only=True)
    # Raters score smaller, slower taps higher: both must fall monotonically with the score.
    assert by_label["amplitude_median_denoised"].is_monotonic_decreasing
    assert by_label["frequency_median_denoised"].is_monotonic_decreasing
    assert by_label.loc[4, "numFreeze_denoised"] > by_label.loc[0, "numFreeze_denoised"]


def test_generate_is_idempotent(dataset: Path) -> None:
    before = (dataset.parent / ANNOTATIONS).stat().st_mtime_ns
    generate(dataset.parent, SyntheticConfig(n_subjects=20, seed=3))
    assert (dataset.parent / ANNOTATIONS).stat().st_mtime_ns == before
