"""One model per group (``grouped``): per-exercise models, pooled predictions."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import ModelConfig, SplitConfig
from hawkeye.evaluation.metrics import evaluate_predictions, flat_metrics
from hawkeye.models.grouped import GroupedModel, UnseenGroup
from hawkeye.splits import make_folds
from hawkeye.training import cross_validate

TREES = {"name": "random_forest", "params": {"n_estimators": 20, "n_jobs": 1}}


def _exercises(n: int = 80, seed: int = 0) -> pd.DataFrame:
    """Two exercises whose 'correct' reads the same feature the opposite way round."""
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    task = np.where(np.arange(n) % 2 == 0, "m01", "m07")
    label = np.where(task == "m01", x > 0.5, x < 0.5).astype(int)
    return pd.DataFrame(
        {
            "sample_id": [f"r{i}" for i in range(n)],
            "subject_id": [f"S{i // 4}" for i in range(n)],
            "task": task,
            "side": "unknown",
            "label": label,
            "dataset": "d",
            "x": x,
        }
    )


def test_one_model_a_group_learns_what_a_pooled_one_cannot() -> None:
    table = _exercises()
    folds = make_folds(table, SplitConfig(n_splits=4, near_duplicate_rms=0))
    grouped = ModelConfig(name="grouped", mode="classification", params={"model": TREES})
    pooled = ModelConfig(name="random_forest", mode="classification", params=TREES["params"])
    g = cross_validate(table, folds, grouped, min_label=0, max_label=1).predictions
    p = cross_validate(table, folds, pooled, min_label=0, max_label=1).predictions
    g_acc = (g["predicted"] == g["label"]).mean()
    p_acc = (p["predicted"] == p["label"]).mean()
    assert g_acc > 0.85 and p_acc < 0.7, (g_acc, p_acc)
    assert sorted(g["sample_id"]) == sorted(table["sample_id"])  # pooled predictions
    assert set(g["group"]) == {"m01", "m07"} and "group" not in p.columns
    report = evaluate_predictions(g, 0, 1)
    assert set(report["groups"]) == {"m01", "m07"} and "groups" not in evaluate_predictions(p, 0, 1)
    m01 = g[g["group"] == "m01"]
    expected = (m01["predicted"] == m01["label"]).mean()
    assert report["groups"]["m01"]["model"]["exact_acc"] == pytest.approx(expected)
    flat = flat_metrics(report, folds=False)
    assert flat["group_m07_model_exact_acc"] == report["groups"]["m07"]["model"]["exact_acc"]
    assert "group_m07_baseline_majority_exact_acc" in flat


def test_each_row_goes_to_its_groups_model_and_pickles() -> None:
    table = _exercises(40)
    model = GroupedModel(
        group_by="exercise",
        model="random_forest",
        model_params=TREES["params"],
        mode="classification",
        max_label=1,
    ).fit(table, table["label"].to_numpy(), groups=table["subject_id"].to_numpy())
    assert model.groups_ == ["m01", "m07"] and model.group_counts_ == {"m01": 20, "m07": 20}
    assert list(model.feature_names_in_) == ["task", "x"]
    m07 = table["task"] == "m07"
    X = table[["task", "x"]]
    direct = model.models_["m07"].predict(table.loc[m07, ["x"]])
    np.testing.assert_array_equal(model.predict(X)[m07.to_numpy()], direct)
    assert list(model.predict_proba(X).columns) == [0, 1]
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    with pytest.raises(UnseenGroup, match="m09"):
        model.predict(X.assign(task="m09"))
    pooled = GroupedModel(model="random_forest", model_params=TREES["params"], unseen="pooled")
    pooled.fit(table, table["label"].to_numpy())
    assert np.isfinite(pooled.predict(X.assign(task="m09"))).all()


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"groupby": "task"}, r"unknown parameter\(s\) \['groupby'\]"),
        ({"unseen": "drop"}, "unseen must be one of"),
        ({"model": "autoencoder"}, "must be a supervised scorer"),
        ({"model": "grouped"}, "must be a supervised scorer"),
        ({"model": {"name": "random_forest", "seeds": [1]}}, "unknown key"),
        ({"model": {"name": "minirocket", "params": {"centre": "hip"}}}, "centre must be one of"),
    ],
)
def test_bad_params_fail_when_the_configuration_is_read(params: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ModelConfig(name="grouped", params=params)
