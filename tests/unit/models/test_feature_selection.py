"""Feature selection (``params.select_k``) is a step of the model's pipeline, so in
cross-validation it is fitted on each training fold alone, never on the held-out rows."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.feature_selection import f_regression

from hawkeye.config import ModelConfig, SplitConfig
from hawkeye.models import classical
from hawkeye.models.classical import ScoreModel
from hawkeye.splits import make_folds
from hawkeye.training import cross_validate
from tests.conftest import labelled_table

FEATURES = ["signal", "noise", "gappy"]


@pytest.mark.parametrize("name", ["random_forest", "xgboost", "lightgbm", "ordinal_logistic"])
@pytest.mark.parametrize("mode", ["regression", "classification"])
def test_select_k_keeps_the_informative_features(name: str, mode: str) -> None:
    table = labelled_table()
    X, y = table[FEATURES], table["label"].to_numpy()
    # One thread: LightGBM's OpenMP threads spin on a busy machine (18 s instead of 0.5).
    trees = {"n_estimators": 20, "n_jobs": 1}
    params = {"select_k": 1} | (trees if name != "ordinal_logistic" else {})
    model = ScoreModel(name, mode, params).fit(X, y)
    assert list(model.pipeline_.named_steps) == ["impute", "select", "model"]
    assert len(model.selected_features_) == 1 and "noise" not in model.selected_features_
    assert np.corrcoef(model.predict(X), y)[0, 1] > 0.8
    assert list(model.feature_names_in_) == FEATURES  # it still reads (and checks) all of them
    many = ScoreModel(name, mode, {**params, "select_k": 10}).fit(X, y)  # more than there are
    assert many.selected_features_ == FEATURES
    assert ScoreModel(name, mode).fit(X, y).selected_features_ == FEATURES  # off by default


def test_a_constant_feature_scores_zero_quietly() -> None:
    X = np.c_[np.arange(10.0), np.ones(10)]
    f, p = classical.f_regression_scores(X, np.arange(10.0))
    assert f[1] == 0 and p[1] == 1 and f[0] > 0


def test_select_k_is_checked_when_the_configuration_is_read() -> None:
    for bad in (0, -2, 1.5, "some", True):
        with pytest.raises(ValueError, match="select_k"):
            ModelConfig(name="lightgbm", params={"select_k": bad})
    assert ModelConfig(name="xgboost", params={"select_k": "all"}).params["select_k"] == "all"


def test_the_selector_is_fitted_on_the_training_fold_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every F-test the selector runs sees one fold's training rows (then, for the final
    model, all rows): a ``row`` feature names the rows each call was given."""
    table = labelled_table().assign(row=np.arange(60.0))
    seen: list[np.ndarray] = []

    def spy(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        seen.append(X[:, -1].copy())  # the `row` column, the last feature
        return f_regression(X, y)

    monkeypatch.setattr(classical, "f_regression_scores", spy)
    folds = make_folds(table, SplitConfig(n_splits=3))
    cfg = ModelConfig(name="random_forest", params={"n_estimators": 10, "select_k": 2})
    cross_validate(table, folds, cfg)
    merged = table.merge(folds[["sample_id", "fold"]], on="sample_id")
    test_folds = sorted(k for k in merged["fold"].unique() if k >= 0)
    assert len(seen) == len(test_folds) + 1
    for rows, k in zip(seen, test_folds, strict=False):
        held_out = set(merged.loc[merged["fold"] == k, "row"])
        assert set(rows) == set(merged.loc[merged["fold"] != k, "row"])
        assert not set(rows) & held_out
    assert set(seen[-1]) == set(table["row"])  # the final model: every recording


def test_selection_pickles_with_the_model() -> None:
    table = labelled_table()
    model = ScoreModel("lightgbm", "regression", {"select_k": 2, "n_estimators": 10})
    model.fit(table[FEATURES], table["label"].to_numpy())
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(again.predict(table[FEATURES]), model.predict(table[FEATURES]))
    assert again.selected_features_ == model.selected_features_
