"""Segment annotations to per-frame targets and back (hawkeye.segments)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hawkeye.data.readers.anvil import Segment as AnvilSegment
from hawkeye.data.readers.anvil import frame_labels
from hawkeye.segments import (
    Segment,
    class_names,
    class_weights,
    frame_targets,
    parse_segments,
    read_segments_csv,
    row_segments,
    runs,
    smooth,
    to_segments,
)


def test_frame_targets_background_and_overlap() -> None:
    segments = [Segment(1, 3, "walk"), Segment(2, 5, "sit"), Segment(5, 99, "walk")]
    classes = class_names([segments])
    assert classes == ["background", "sit", "walk"]
    # the later segment wins where two overlap; a segment past the end is clipped
    assert frame_targets(segments, 7, classes).tolist() == [0, 2, 1, 1, 1, 2, 2]
    with pytest.raises(ValueError, match="not among"):
        frame_targets([Segment(0, 1, "jump")], 3, classes)


def test_seconds_match_the_anvil_frame_rule() -> None:
    spans = [("a", 0.15, 0.35), ("b", 0.4, 0.61), ("c", 0.3, 0.3)]
    items = [{"track": "T", "start": s, "end": e, "label": lab} for lab, s, e in spans]
    items.append({"track": "other", "start": 0.0, "end": 1.0, "label": "x"})
    segments = parse_segments(json.dumps(items), unit="second", fps=10, track="T")
    assert segments == [Segment(2, 4, "a"), Segment(4, 7, "b"), Segment(3, 3, "c")]
    anvil = [AnvilSegment("T", s, e, lab, {}) for lab, s, e in spans]
    expected = frame_labels(anvil, fps=10, n_frames=9, track="T", background="background")
    classes = ["background", "a", "b", "c"]
    assert [classes[i] for i in frame_targets(segments, 9, classes)] == expected.tolist()
    with pytest.raises(ValueError, match="fps"):
        parse_segments(items, unit="second")


def test_row_segments_reads_the_unit() -> None:
    row = {"segments": json.dumps([{"start": 2, "end": 4, "label": "a"}]), "fps": 10.0}
    assert row_segments(row | {"segments_unit": "frame"}) == [Segment(2, 4, "a")]
    assert row_segments(row) == [Segment(20, 40, "a")]  # Anvil/KERAAL rows: seconds
    assert row_segments({"segments": None, "fps": 10.0}) == []


def test_segments_csv(tmp_path: Path) -> None:
    path = tmp_path / "segments.csv"
    path.write_text(
        "recording,start,end,label,unit\nr1,0,2,a,frame\nr1,0.5,1.0,b,second\nr2,1,3,a,\n"
    )
    assert read_segments_csv(path, fps=4) == {
        "r1": [Segment(0, 2, "a"), Segment(2, 4, "b")],
        "r2": [Segment(1, 3, "a")],
    }
    (tmp_path / "bad.csv").write_text("id,start,end\n1,2,3\n")
    with pytest.raises(ValueError, match="recording column"):
        read_segments_csv(tmp_path / "bad.csv")


def test_class_weights() -> None:
    targets = [np.array([0, 0, 0]), np.array([1])]
    # balanced: 4 frames / (2 classes present * count); class 2 has no frame
    np.testing.assert_allclose(class_weights(targets, 3), [4 / 6, 2.0, 0.0])
    np.testing.assert_allclose(class_weights(targets, 3, "median"), [2 / 3, 2.0, 0.0])
    np.testing.assert_allclose(
        class_weights(targets, 3, "balanced", max_weight=1.5), [4 / 6, 1.5, 0]
    )
    np.testing.assert_allclose(class_weights(targets, 3, "none"), [1, 1, 0])


def test_smooth_and_back_to_segments() -> None:
    assert runs([1, 1, 2, 0]) == [(0, 2, 1), (2, 3, 2), (3, 4, 0)]
    assert smooth([1, 1, 1, 2, 1, 1, 1], window=3).tolist() == [1] * 7
    # the 2-frame run merges into its longer neighbour (right: 4 frames against 3)
    noisy = [1, 1, 1, 2, 2, 3, 3, 3, 3]
    assert smooth(noisy, min_length=3).tolist() == [1, 1, 1, 3, 3, 3, 3, 3, 3]
    assert smooth(noisy).tolist() == noisy and smooth([]).tolist() == []
    classes = ["background", "a", "b"]
    assert to_segments([0, 1, 1, 0, 2], classes) == [
        {"start": 1, "end": 3, "label": "a"},
        {"start": 4, "end": 5, "label": "b"},
    ]
    assert to_segments([2, 2], classes, fps=2)[0] == {
        "start": 0, "end": 2, "label": "b", "start_s": 0.0, "end_s": 1.0,
    }  # fmt: skip
