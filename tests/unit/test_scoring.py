"""Scoring a feature table with a trained model (hawkeye.scoring.score_features).

The model is trained here on a table built by hand: the label is ``round(a)`` on 0..4,
``b`` is noise. What each output must be follows from that construction, not from the
code under test: a row far outside every training range is refused and gets no score,
the others are scored within the label range and inside their own interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import ModelConfig, SplitConfig
from hawkeye.scoring import MissingFeatures, score_features
from hawkeye.splits import make_folds
from hawkeye.training import cross_validate


def _table(n_subjects: int = 20, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_subjects):
        for side in ("left", "right"):
            a = rng.uniform(0, 4)
            rows.append(
                {
                    "sample_id": f"s{s:02d}_{side}",
                    "subject_id": f"s{s:02d}",
                    "task": "motion",
                    "side": side,
                    "label": round(a),
                    "dataset": "hand_made",
                    "a": a,
                    "b": rng.normal(),
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def model():
    table = _table()
    folds = make_folds(table, SplitConfig(n_splits=4, near_duplicate_rms=0))
    cfg = ModelConfig(name="random_forest", params={"n_estimators": 30, "n_jobs": 1})
    return cross_validate(table, folds, cfg, 0, 4, task="motion").model


def test_one_row_out_per_row_in_named_by_the_id_column(model) -> None:
    new = _table(n_subjects=3, seed=5).iloc[::-1]  # order must be kept, not re-sorted
    out = score_features(model, new, id_column="sample_id", task="motion")
    assert list(out["sample_id"]) == list(new["sample_id"])
    inside = out[out["applicability"] != "refused"]
    assert len(inside) == len(new)  # drawn like the training rows: none refused
    assert inside["score"].between(0, 4).all()
    assert inside["predicted"].isin(range(5)).all()
    assert (inside["interval_low"] <= inside["score"]).all()
    assert (inside["score"] <= inside["interval_high"]).all()


def test_a_row_far_outside_every_training_range_is_refused_without_a_score(model) -> None:
    far = _table(n_subjects=1).iloc[:1].assign(a=400.0, b=-300.0)  # ~100 IQR out on both
    (row,) = score_features(model, far, task="motion").to_dict("records")
    assert row["applicability"] == "refused"
    assert np.isnan(row["score"]) and pd.isna(row["predicted"])
    assert np.isnan(row["interval_low"]) and np.isnan(row["interval_high"])
    assert "a" in row["applicability_reasons"] and "b" in row["applicability_reasons"]


def test_a_missing_feature_column_is_named() -> None:
    table = _table()
    folds = make_folds(table, SplitConfig(n_splits=4, near_duplicate_rms=0))
    cfg = ModelConfig(name="random_forest", params={"n_estimators": 5, "n_jobs": 1})
    trained = cross_validate(table, folds, cfg, 0, 4, task="motion").model
    with pytest.raises(MissingFeatures, match=r"missing .*: b"):
        score_features(trained, table.drop(columns=["b"]))


def test_a_classifier_gives_class_probabilities_that_sum_to_one() -> None:
    table = _table()
    folds = make_folds(table, SplitConfig(n_splits=4, near_duplicate_rms=0))
    cfg = ModelConfig(
        name="random_forest", mode="classification", params={"n_estimators": 20, "n_jobs": 1}
    )
    trained = cross_validate(table, folds, cfg, 0, 4, task="motion").model
    out = score_features(trained, _table(n_subjects=2, seed=9), task="motion")
    p = out[[c for c in out if c.startswith("p_")]]
    assert list(p.columns) == [f"p_{k}" for k in range(5)]
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # the predicted class is the most probable one
    assert (p.to_numpy().argmax(axis=1) == out["predicted"].to_numpy()).all()
