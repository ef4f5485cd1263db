"""Segment metrics (MS-TCN's definitions) on tiny sequences worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from hawkeye.evaluation.segments import (
    METRICS,
    NAMES,
    direction,
    edit_score,
    f1_from_counts,
    levenshtein,
    overlap_counts,
    segment_metrics,
)

A, B = 1, 2  # 0 is background


def test_edit_score() -> None:
    assert levenshtein("kitten", "sitting") == 3
    assert edit_score([A, A, B, B], [A, B, B, B]) == 100  # same order of segments
    assert edit_score([A, B, A], [A, A, A]) == pytest.approx(100 / 3)  # 2 edits over 3
    assert edit_score([A, 0, A], [A, A, A]) == 50  # background splits A: [A, A] vs [A]
    assert edit_score([0, 0], [0, 0]) == 100 and edit_score([A], [0]) == 0


def test_f1_at_overlaps() -> None:
    truth = [0, 0, A, A, A, A, 0, 0]  # A on frames 2-5
    late = [0, 0, 0, 0, A, A, A, A]  # A on 4-7: intersection 2, union 6, IoU 1/3
    assert overlap_counts(late, truth, 0.25) == (1, 0, 0)
    assert overlap_counts(late, truth, 0.50) == (0, 1, 1)
    half = [A, A, 0, 0]  # against A on 0-3: IoU exactly 0.5 counts at 0.50
    assert overlap_counts(half, [A, A, A, A], 0.50) == (1, 0, 0)
    # two predictions of one true segment: the second is a false positive
    assert overlap_counts([A, A, A, 0, A, A], [A] * 6, 0.25) == (1, 1, 0)
    assert f1_from_counts(1, 1, 0) == pytest.approx(200 / 3)
    assert overlap_counts([B, B], [A, A], 0.1) == (0, 1, 1)  # wrong label: no overlap
    assert overlap_counts([A], [0], 0.1) == (0, 1, 0) and f1_from_counts(0, 0, 0) == 0


def test_pooled_figures() -> None:
    predicted = [np.array([0, A, A, A]), np.array([0, 0, 0])]
    truth = [np.array([0, 0, A, A]), np.array([0, 0, 0])]
    out = segment_metrics(predicted, truth)
    assert set(out) == set(NAMES)
    assert out["frame_acc"] == pytest.approx(600 / 7)  # 6 of 7 frames
    # class 0: P 4/4, R 4/5 -> 8/9; class 1: P 2/3, R 1 -> 4/5; mean
    assert out["frame_macro_f1"] == pytest.approx((8 / 9 + 4 / 5) / 2 * 100)
    assert out["edit"] == 100  # [A] vs [A], and two empty sequences
    # IoU of [1,4) with [2,4) is 2/3: a hit at 0.10-0.50
    assert out["f1_10"] == out["f1_25"] == out["f1_50"] == 100
    with pytest.raises(ValueError, match="frames"):
        segment_metrics([np.array([0])], [np.array([0, 0])])


def test_declared() -> None:
    assert [m.name for m in METRICS] == [
        "frame_acc",
        "frame_macro_f1",
        "edit",
        "f1_10",
        "f1_25",
        "f1_50",
    ]
    assert direction("edit") is True and direction("mae") is None
