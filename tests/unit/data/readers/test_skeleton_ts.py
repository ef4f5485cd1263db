"""``format: skeleton_ts``: any multivariate ``.ts`` file as joints x axes of a declared layout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hawkeye.config import DatasetConfig
from hawkeye.data import formats
from hawkeye.data.errors import DatasetError
from hawkeye.data.ingest import ingest
from hawkeye.landmarks.sequence import JOINT_LAYOUTS, LAYOUTS


@pytest.fixture(autouse=True)
def _forget_declared_layouts() -> Iterator[None]:
    """Layouts a test declares leave with it (the sequence models infer by registration order)."""
    before = dict(LAYOUTS), dict(JOINT_LAYOUTS)
    yield
    for registry, saved in zip((LAYOUTS, JOINT_LAYOUTS), before, strict=True):
        registry.clear()
        registry.update(saved)


HEADER = """@problemName Toy
@timeStamps false
@missing true
@univariate false
@dimensions 4
@equalLength true
@seriesLength 3
@classLabel true up down
@data
"""
# 2 joints x 2 axes, 3 steps a channel. Case 0: a clean 'down'; case 1 lacks two steps of
# channel 3 (2 of 3 frames absent); case 2: an 'up'.
CASES = [
    "1,2,3:4,5,6:7,8,9:10,11,12:down",
    "1,2,3:4,5,6:?,?,9:10,11,12:up",
    "0,0,0:1,1,1:2,2,2:3,3,3:up",
]


def _cfg(path: Path, order: str = "joint_major", **extra: object) -> DatasetConfig:
    return DatasetConfig(
        name="toy",
        kind="landmarks",
        task="motion",
        format="skeleton_ts",
        path=str(path),
        layout={"name": "test_ts_2", "joints": ["left", "right"]},
        fps=10,
        skeleton={"axes": ["x", "y"], "channel_order": order},
        max_quarantine_share=0.5,
        **extra,
    )


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    path = tmp_path / "Toy_TRAIN.ts"
    path.write_text(HEADER + "\n".join(CASES) + "\n")
    return path


def test_channels_are_joints_times_axes(toy: Path) -> None:
    result = ingest(_cfg(toy))
    manifest = result.manifest
    assert list(manifest["sample_id"]) == ["Toy_TRAIN_000", "Toy_TRAIN_002"]
    assert list(manifest["label"]) == [1, 0]  # position in @classLabel: up 0, down 1
    assert set(manifest["split"]) == {"train"} and set(manifest["fps"]) == {10.0}
    assert result.quarantine["reason"].iloc[0] == (
        "Toy_TRAIN.ts case 1: 67% of the frames lack a joint coordinate (NaN), more than "
        "skeleton.max_nan_share 50%"
    )
    seq = formats.load_recording(manifest.iloc[0])
    # joint_major: channels left_x, left_y, right_x, right_y; step 1 of case 0
    assert seq.points[1].tolist() == [[2, 5, 0], [8, 11, 0]]


def test_axis_major_order(toy: Path) -> None:
    seq = formats.load_recording(ingest(_cfg(toy, "axis_major")).manifest.iloc[0])
    # axis_major: channels left_x, right_x, left_y, right_y
    assert seq.points[1].tolist() == [[2, 8, 0], [5, 11, 0]]


def test_a_channel_count_that_does_not_fit_the_layout_says_what_it_needs(toy: Path) -> None:
    cfg = _cfg(toy).model_copy(update={"skeleton": DatasetConfig.Skeleton()})  # x, y, z
    with pytest.raises(
        DatasetError, match="4 channels, but layout test_ts_2 has 2 joints x 3 axes = 6"
    ):
        ingest(cfg)


def test_a_csv_given_as_ts_names_the_format(tmp_path: Path) -> None:
    path = tmp_path / "frames.ts"
    path.write_text("frame,a_x,a_y\n0,1,2\n")
    with pytest.raises(DatasetError, match=r"a CSV table, but dataset\.format is skeleton_ts"):
        ingest(_cfg(path))
