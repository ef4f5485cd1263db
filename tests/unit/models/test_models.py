import numpy as np
import pytest

from hawkeye.config import ModelConfig, SplitConfig
from hawkeye.models.classical import ScoreModel
from hawkeye.splits import make_folds
from hawkeye.training import cross_validate
from tests.conftest import labelled_table


@pytest.mark.parametrize("name", ["random_forest", "xgboost", "lightgbm"])
@pytest.mark.parametrize("mode", ["regression", "classification"])
def test_scores_are_bounded_and_learn_the_signal(name: str, mode: str) -> None:
    table = labelled_table()
    X = table[["signal", "noise", "gappy"]]
    model = ScoreModel(name, mode, {"n_estimators": 50}).fit(X, table["label"].to_numpy())
    score = model.predict(X)
    assert score.min() >= 0 and score.max() <= 4
    assert np.corrcoef(score, table["label"])[0, 1] > 0.8
    with pytest.raises(ValueError, match="missing"):
        model.predict(X.drop(columns=["noise"]))


def test_cross_validation_predicts_each_recording_once_with_baselines() -> None:
    table = labelled_table()
    folds = make_folds(table, SplitConfig(n_splits=3))
    result = cross_validate(
        table, folds, ModelConfig(name="random_forest", params={"n_estimators": 30})
    )
    pred = result.predictions
    assert sorted(pred["sample_id"]) == sorted(table["sample_id"])
    for k, g in pred.groupby("fold"):
        train = table[table.sample_id.isin(folds.loc[folds.fold != k, "sample_id"])]
        assert g["baseline_mean"].iloc[0] == pytest.approx(train["label"].mean())
    assert (
        np.abs(pred["score"] - pred["label"]).mean()
        < np.abs(pred["baseline_mean"] - pred["label"]).mean()
    )


def test_ordinal_logistic_keeps_scores_ordered_and_mode_picks_mean_or_argmax() -> None:
    table = labelled_table()
    X, y = table[["signal", "noise", "gappy"]], table["label"].to_numpy()
    expected = ScoreModel("ordinal_logistic", "regression").fit(X, y)
    assert np.corrcoef(expected.predict(X), y)[0, 1] > 0.8
    proba = expected.predict_proba(X)
    assert list(proba.columns) == sorted(set(y))
    # All-threshold model: each cumulative P(score >= k), k = 1..4, rises with the signal.
    order = np.argsort(X["signal"].fillna(X["signal"].median()).to_numpy())
    tail = proba.iloc[order, ::-1].cumsum(axis=1).iloc[:, :-1].to_numpy()
    for k in range(tail.shape[1]):
        assert np.corrcoef(np.arange(len(order)), tail[:, k])[0, 1] > 0.5, k
    mode = ScoreModel("ordinal_logistic", "classification").fit(X, y).predict(X)
    assert np.isin(mode, proba.columns).all()  # a score it can give, not a mean
    assert not np.isin(expected.predict(X), proba.columns).all()
