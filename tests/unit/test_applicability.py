"""Applicability domain: verdicts on constructed data whose ranges are known exactly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from hawkeye.applicability import ApplicabilityDomain, tapping_conditions

FEATURES = [f"f{j}" for j in range(5)]


@pytest.fixture(scope="module")
def training() -> pd.DataFrame:
    """101 rows; every column holds 0, 0.01, ..., 1 (exact in float), shuffled per column.

    Quantiles by linear interpolation land on data points: min 0, q25 0.25, q75 0.75,
    max 1, so the IQR is exactly 0.5 and the margin 0.1 * 0.5 = 0.05.
    """
    rng = np.random.default_rng(0)
    grid = np.arange(101) / 100
    return pd.DataFrame({name: rng.permutation(grid) for name in FEATURES})


@pytest.fixture(scope="module")
def domain(training: pd.DataFrame) -> ApplicabilityDomain:
    return ApplicabilityDomain().fit(training)


def _row(**values: float) -> pd.DataFrame:
    row = dict.fromkeys(FEATURES, 0.5)
    row.update(values)
    return pd.DataFrame([row])


def test_centre_row_is_inside(domain: ApplicabilityDomain) -> None:
    (result,) = domain.assess(_row())
    assert result["verdict"] == "inside"
    assert result["reasons"] == [] and result["outside"] == [] and result["missing"] == []
    assert result["novelty"]["score"] >= result["novelty"]["threshold"]
    json.dumps(result)


def test_one_feature_far_out_is_flagged_with_its_distance(domain: ApplicabilityDomain) -> None:
    (result,) = domain.assess(_row(f3=10.0))
    assert result["verdict"] == "flagged"
    # (10 - max 1) / IQR 0.5 = 18, above the high bound.
    assert result["outside"] == [
        {"feature": "f3", "value": 10.0, "low": 0.0, "high": 1.0, "by_iqr": 18.0}
    ]
    assert result["reasons"][0] == (
        "1 of 5 features outside the training range (largest: f3 10 vs 0 to 1, 18.0 IQR above)"
    )


def test_margin_tolerates_values_just_beyond_the_range(domain: ApplicabilityDomain) -> None:
    # Margin 0.1 IQR = 0.05: 1.04 and -0.04 are tolerated, 1.06 is not ((1.06 - 1) / 0.5).
    assert domain.assess(_row(f0=1.04, f1=-0.04))[0]["outside"] == []
    (entry,) = domain.assess(_row(f0=1.06))[0]["outside"]
    assert entry["by_iqr"] == pytest.approx(0.12)
    (below,) = domain.assess(_row(f2=-2.0))[0]["outside"]
    assert below["by_iqr"] == pytest.approx(-4.0)  # (-2 - 0) / 0.5


def test_many_features_out_is_refused_and_sorted(domain: ApplicabilityDomain) -> None:
    (result,) = domain.assess(_row(f1=3.0, f4=-10.0))
    assert result["verdict"] == "refused"  # 2 of 5 = 40 % > 25 %
    assert [(o["feature"], o["by_iqr"]) for o in result["outside"]] == [
        ("f4", -20.0),  # (-10 - 0) / 0.5
        ("f1", 4.0),  # (3 - 1) / 0.5
    ]
    assert "2 of 5 features outside the training range" in result["reasons"][0]
    assert "extrapolating" in result["reasons"][0]


def test_mostly_missing_is_refused_naming_the_features(domain: ApplicabilityDomain) -> None:
    (result,) = domain.assess(_row(f0=np.nan, f2=np.nan, f4=np.nan))
    assert result["verdict"] == "refused"  # 3 of 5 = 60 % > 50 %
    assert result["missing"] == ["f0", "f2", "f4"]
    assert result["reasons"][0].startswith(
        "3 of 5 features could not be measured: f0, f2, f4 (more than 50% missing"
    )


def test_few_missing_is_flagged(domain: ApplicabilityDomain) -> None:
    (result,) = domain.assess(_row(f1=np.nan))
    assert result["verdict"] == "flagged"
    assert result["missing"] == ["f1"]
    assert result["reasons"] == [
        "1 of 5 features could not be measured: f1 (filled in with the training median)"
    ]


def test_absent_column_counts_as_missing(domain: ApplicabilityDomain) -> None:
    (result,) = domain.assess(_row().drop(columns=["f2"]))
    assert result["missing"] == ["f2"]


def test_unusual_combination_is_caught_within_ranges() -> None:
    # Two tight clusters around 0.1 and 0.9: the point half way is inside every feature's
    # range (0.05 to 0.95) but no training recording is anywhere near it.
    rng = np.random.default_rng(0)
    spread = rng.uniform(-0.05, 0.05, (100, 3))
    X = pd.DataFrame(np.vstack([0.1 + spread[:50], 0.9 + spread[50:]]), columns=["a", "b", "c"])
    domain = ApplicabilityDomain().fit(X)
    (result,) = domain.assess(pd.DataFrame([{"a": 0.5, "b": 0.5, "c": 0.5}]))
    assert result["outside"] == []
    assert result["verdict"] == "refused"
    assert result["reasons"] == [
        "unusual combination of features: more unusual than every training recording"
    ]
    assert result["novelty"]["training_percentile"] == 0.0
    assert result["novelty"]["score"] < result["novelty"]["refuse_threshold"]


def test_novelty_flag_counts_training_recordings(training: pd.DataFrame) -> None:
    # Flag below the training median: the least normal training row is then flagged, and
    # 100 of the 101 training rows are more normal than it (itself excluded).
    domain = ApplicabilityDomain(novelty_quantile=0.5).fit(training)
    results = domain.assess(training)
    least = min(results, key=lambda r: r["novelty"]["score"])
    assert least["verdict"] == "flagged"  # equal to the minimum, not below it: not refused
    assert least["novelty"]["training_percentile"] == pytest.approx(100 / 101)
    # 100 - 100/101 = 99.0099..., rounded down to 99.0
    assert least["reasons"] == [
        "unusual combination of features: more unusual than 99 % of training recordings"
    ]
    flagged = sum(r["verdict"] == "flagged" for r in results)
    assert flagged == 50  # strictly below the median of 101 distinct scores


def test_training_rows_are_never_refused(training: pd.DataFrame, domain: ApplicabilityDomain):
    # Refusal on novelty is "below the lowest training score", which no training row is.
    verdicts = [r["verdict"] for r in domain.assess(training)]
    assert "refused" not in verdicts
    # The flag threshold is the 1 % quantile: about 1 of the 101 training rows.
    assert verdicts.count("flagged") <= 2


def test_conditions_outside_and_not_recorded(training: pd.DataFrame) -> None:
    conditions = pd.DataFrame(
        {"tapping_s": 5 + np.arange(101) / 10, "fps": np.nan}, index=training.index
    )
    domain = ApplicabilityDomain().fit(training, conditions)
    new = pd.DataFrame([{"tapping_s": 2.6, "fps": 30.0}])
    (result,) = domain.assess(_row(), new)
    assert result["verdict"] == "flagged"
    assert result["reasons"] == [
        "tapping duration 2.6 s is shorter than any training recording (5 to 15 s)"
    ]
    tapping, fps = result["conditions"]
    assert tapping == {"name": "tapping_s", "value": 2.6, "low": 5.0, "high": 15.0, "inside": False}
    assert fps["inside"] is None and fps["note"] == "not recorded in the training data"
    inside = domain.assess(_row(), pd.DataFrame([{"tapping_s": 10.0, "fps": 30.0}]))[0]
    assert inside["verdict"] == "inside" and inside["conditions"][0]["inside"] is True
    unmeasured = domain.assess(_row())[0]["conditions"][0]
    assert unmeasured["inside"] is None and unmeasured["note"] == "not measured for this recording"
    described = domain.describe()["conditions"]
    assert described["tapping_s"] == {"low": 5.0, "high": 15.0}
    assert described["fps"]["note"] == "not recorded in the training data"


def test_zero_iqr_column_uses_a_floor() -> None:
    X = pd.DataFrame({"count": [0.0] * 90 + [1.0] * 11, "level": np.arange(101) / 100})
    domain = ApplicabilityDomain().fit(X)
    (entry,) = domain.assess(pd.DataFrame([{"count": 3.0, "level": 0.5}]))[0]["outside"]
    # IQR 0: the floor is the training standard deviation.
    assert entry["by_iqr"] == pytest.approx((3 - 1) / X["count"].std(ddof=0))


def test_describe_is_json(domain: ApplicabilityDomain) -> None:
    summary = domain.describe()
    json.dumps(summary)
    assert summary["n_training_rows"] == 101 and summary["n_features"] == 5
    assert summary["features"]["f0"]["low"] == 0.0 and summary["features"]["f0"]["high"] == 1.0
    assert summary["features"]["f0"]["scale"] == 0.5
    assert summary["novelty"]["refuse_below"] <= summary["novelty"]["flag_below"]


def test_skops_round_trip_keeps_verdicts(training: pd.DataFrame) -> None:
    conditions = pd.DataFrame({"tapping_s": 5 + np.arange(101) / 10}, index=training.index)
    domain = ApplicabilityDomain().fit(training, conditions)
    blob = sio.dumps(domain)
    loaded = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    rows = pd.concat([_row(), _row(f3=10.0), _row(f1=3.0, f4=-10.0), _row(f0=np.nan)])
    new = pd.DataFrame({"tapping_s": [10.0, 2.0, 10.0, 30.0]})
    assert loaded.assess(rows, new) == domain.assess(rows, new)
    assert loaded.describe() == domain.describe()


def test_unfitted_params_are_sklearn_style() -> None:
    domain = ApplicabilityDomain(margin_iqr=0.2)
    assert domain.get_params()["margin_iqr"] == 0.2
    assert not hasattr(domain, "low_")


def test_tapping_conditions() -> None:
    features = pd.DataFrame({"num_peaks_denoised": [11, 5], "period_mean_denoised": [0.3, 0.25]})
    conditions = tapping_conditions(features)
    assert list(conditions.columns) == ["taps", "tapping_s"]
    assert conditions["taps"].tolist() == [11.0, 5.0]
    assert conditions["tapping_s"].tolist() == pytest.approx([3.0, 1.0])  # 0.3 * 10, 0.25 * 4
    absent = tapping_conditions(pd.DataFrame({"other": [1.0]}))
    assert absent.isna().all().all()
