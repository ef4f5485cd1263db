"""The strict ``.ts`` reader and the NATOPS helpers, on the shared NATOPS files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hawkeye.data.ingest import DatasetError
from hawkeye.data.readers.base import SourceError
from hawkeye.data.readers.natops import POINTS, case_points, case_sequence, manifest_rows
from hawkeye.data.readers.uea_ts import read_ts
from hawkeye.landmarks.sequence import JOINT_LAYOUTS

HEADER = """# a comment
@problemName Toy
@timeStamps false
@missing false
@univariate false
@dimensions 2
@equalLength true
@seriesLength 3
@classLabel true a b
@data
"""


@pytest.fixture
def natops(shared_data: Path) -> Path:
    folder = shared_data / "natops"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return folder


def _ts(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "toy.ts"
    path.write_text(header + body)
    return path


@pytest.mark.real_data
def test_natops_train_and_test(natops: Path) -> None:
    for name in ("NATOPS_TRAIN.ts", "NATOPS_TEST.ts"):
        data = read_ts(natops / name)
        assert data.problem == "NATOPS"
        assert data.values.shape == (180, 24, 51) and data.values.dtype == np.float32
        assert data.class_labels == ("1.0", "2.0", "3.0", "4.0", "5.0", "6.0")
        assert np.bincount(data.label_codes()).tolist() == [30] * 6


@pytest.mark.real_data
def test_natops_points_and_manifest(natops: Path) -> None:
    data = read_ts(natops / "NATOPS_TRAIN.ts")
    points = case_points(data, 0)
    assert points.shape == (51, 8, 3)
    assert np.array_equal(points[:, 1, 2], data.values[0, 5])  # hand tip right, z = channel 6
    assert np.array_equal(points[:, 7, 0], data.values[0, 21])  # thumb right, x = channel 22
    seq = case_sequence(data, 3)
    assert seq.layout == "natops_8" and seq.presence.all() and seq.fps == 20.0
    # The derived order is anatomically consistent: each hand tip is nearest its own thumb.
    allp = data.values.reshape(180, 8, 3, 51)
    dist = np.linalg.norm(allp[:, :, None] - allp[:, None], axis=3).mean(axis=(0, 3))
    np.fill_diagonal(dist, np.inf)
    for side in ("left", "right"):
        tip = POINTS.index(f"hand_tip_{side}")
        assert POINTS[int(np.argmin(dist[tip]))] == f"thumb_{side}"
    rows = manifest_rows(natops)
    assert len(rows) == 360 and {r["split"] for r in rows} == {"train", "test"}
    assert {r["label"] for r in rows} == set(range(6))
    assert rows[0]["class_name"] == "Spread wings" and rows[0]["label"] == 3


def test_small_file_and_missing_values(tmp_path: Path) -> None:
    data = read_ts(_ts(tmp_path, "1,2,3:4,5,6:b\n\n0,0,0:1,1,1:a\n"))
    assert data.values.shape == (2, 2, 3)
    assert data.labels.tolist() == ["b", "a"] and data.label_codes().tolist() == [1, 0]
    header = HEADER.replace("@missing false", "@missing true")
    data = read_ts(_ts(tmp_path, "1,?,3:4,5,6:a\n", header))
    assert np.isnan(data.values[0, 0, 1])
    assert len(JOINT_LAYOUTS) and JOINT_LAYOUTS["natops_8"] == len(POINTS) == 8


@pytest.mark.parametrize(
    ("body", "header", "reason"),
    [
        ("1,2,3:4,5,6:c\n", HEADER, r"toy\.ts:11: unknown class label 'c'"),
        ("1,2,3:a\n", HEADER, r"toy\.ts:11: 1 channels, header says 2"),
        ("1,2,3:4,5:a\n", HEADER, r"toy\.ts:11: channel 2 has 2 values, expected 3"),
        ("1,2,3:4,5,6:a\n1,x,3:4,5,6:a\n", HEADER, r"toy\.ts:12: channel 1: 'x' is not a number"),
        ("1,?,3:4,5,6:a\n", HEADER, r"'\?' is not a number"),
        ("1,nan,3:4,5,6:a\n", HEADER, "non-finite value 'nan'"),
        ("", HEADER, "no cases"),
        ("1,2,3\n", HEADER, "no ':' between"),
        (
            "1,2,3:a\n1,2,3:4,5,6:a\n",
            HEADER.replace("@dimensions 2\n", ""),
            r"toy\.ts:11: 2 channels, header says 1",
        ),
        ("1,2,3:4,5,6:a\n", HEADER.replace("timeStamps false", "timeStamps true"), "@timestamps"),
        ("1,2,3:4,5,6:a\n", HEADER.replace("@seriesLength 3", "@seriesLength x"), "whole number"),
        ("1,2,3:4,5,6:a\n", HEADER.replace("@univariate", "@colour"), "tag @colour"),
        ("1,2,3:4,5,6:a\n", HEADER.replace("@classLabel true a b\n", ""), "@data before"),
        ("1,2,3:4,5,6:a\n", HEADER.replace("@data\n", ""), "data before the @data tag"),
    ],
)
def test_malformed_files_name_the_line(tmp_path: Path, body: str, header: str, reason: str) -> None:
    with pytest.raises(SourceError, match=reason) as info:
        read_ts(_ts(tmp_path, body, header))
    assert isinstance(info.value, DatasetError)


def test_natops_helpers_refuse_other_shapes(tmp_path: Path) -> None:
    data = read_ts(_ts(tmp_path, "1,2,3:4,5,6:a\n"))
    with pytest.raises(SourceError, match="2 channels, NATOPS has 24"):
        case_points(data, 0)
    with pytest.raises(SourceError, match="does not exist"):
        manifest_rows(tmp_path)
