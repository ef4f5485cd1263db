"""Conformal intervals: half-widths worked out by hand from the finite-sample rule."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import skops.io as sio

from hawkeye.uncertainty import ConformalInterval


def test_residuals_one_to_hundred() -> None:
    # |residuals| 1..100, coverage 0.9: the ceil(101 * 0.9) = 91st smallest is 91. crepes
    # picks the int(0.1 * 101) = 10th largest of the same values, also 91.
    residuals = np.arange(1, 101, dtype=float)
    signs = np.where(np.arange(100) % 2 == 0, 1.0, -1.0)  # the sign must not matter
    model = ConformalInterval(coverage=0.9).fit(signs * residuals, np.zeros(100))
    assert model.halfwidth_ == 91.0
    assert model.n_ == 100
    assert model.empirical_coverage_ == 0.91  # 91 of 100 residuals are <= 91
    assert model.empirical_coverage_ >= model.coverage


def test_intervals_are_clipped_to_the_label_scale() -> None:
    residuals = np.arange(1, 101) / 100  # 0.01 .. 1.00: half-width 0.91
    scores = np.full(100, 2.0)
    model = ConformalInterval(coverage=0.9, min_label=0, max_label=4).fit(
        scores + residuals, scores
    )
    assert model.halfwidth_ == pytest.approx(0.91)
    np.testing.assert_allclose(
        model.interval([2.0, 0.3, 3.8]), [[1.09, 2.91], [0.0, 1.21], [2.89, 4.0]]
    )


def test_default_label_range_is_the_observed_one() -> None:
    labels = np.array([0, 1, 2, 3, 4] * 20, dtype=float)
    model = ConformalInterval().fit(labels, labels + 0.5)
    assert (model.min_label_, model.max_label_) == (0.0, 4.0)
    assert model.halfwidth_ == 0.5
    np.testing.assert_allclose(model.interval([0.2, 3.9]), [[0.0, 0.7], [3.4, 4.0]])


def test_matches_the_exact_rank_on_random_residuals() -> None:
    rng = np.random.default_rng(3)
    n = 487  # (n + 1) * 0.1 = 48.8 is not a whole number, so no rounding edge
    labels, scores = rng.integers(0, 5, n).astype(float), rng.normal(2, 1, n)
    model = ConformalInterval(coverage=0.9, min_label=0, max_label=4).fit(labels, scores)
    rank = math.ceil((n + 1) * 0.9)  # 440
    assert model.halfwidth_ == np.sort(np.abs(labels - scores))[rank - 1]
    assert model.empirical_coverage_ >= 0.9


def test_rounding_edge_is_conservative() -> None:
    # n = 99: the exact rank is ceil(100 * 0.9) = 90; crepes' floating point may take 91.
    model = ConformalInterval(coverage=0.9).fit(np.arange(1, 100, dtype=float), np.zeros(99))
    assert model.halfwidth_ in (90.0, 91.0)
    assert model.empirical_coverage_ >= 0.9


def test_too_few_rows_give_the_whole_scale() -> None:
    # 5 rows cannot support 90 %: int(0.1 * 6) = 0, no residual is large enough.
    model = ConformalInterval(coverage=0.9, min_label=0, max_label=4).fit(
        [1.0, 2.0, 3.0, 2.0, 1.0], [1.1, 2.0, 2.9, 2.2, 1.0]
    )
    assert math.isinf(model.halfwidth_)
    assert model.empirical_coverage_ == 1.0
    np.testing.assert_array_equal(model.interval([2.0]), [[0.0, 4.0]])
    assert model.describe()["halfwidth"] is None


def test_describe_and_skops_round_trip() -> None:
    model = ConformalInterval(coverage=0.8, min_label=0, max_label=4).fit(
        np.arange(50) % 5, np.arange(50) % 5 + np.linspace(-1, 1, 50)
    )
    summary = model.describe()
    json.dumps(summary)
    assert summary["method"].startswith("split conformal (crepes ")
    assert summary["coverage"] == 0.8 and summary["calibration_rows"] == 50
    assert summary["halfwidth"] == model.halfwidth_
    blob = sio.dumps(model)
    loaded = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    np.testing.assert_array_equal(loaded.interval([0.5, 3.7]), model.interval([0.5, 3.7]))
    assert loaded.describe() == summary


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="coverage"):
        ConformalInterval(coverage=1.0).fit([1.0], [1.0])
    with pytest.raises(ValueError, match="2 labels but 1 scores"):
        ConformalInterval().fit([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="finite"):
        ConformalInterval().fit([1.0, np.nan], [1.0, 2.0])
