"""Ensembles: a soft vote is the (weighted) mean worked out by hand, members are the
registry's models with their own params and seeds, and stacking's meta-learner is fitted
on out-of-fold outputs inside the training rows, never on the held-out ones."""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin

from hawkeye.config import ModelConfig, SplitConfig
from hawkeye.models import registry
from hawkeye.models.base import ScorerMixin
from hawkeye.models.classical import ScoreModel
from hawkeye.models.ensemble import Ensemble
from hawkeye.splits import make_folds
from hawkeye.training import cross_validate
from tests.conftest import labelled_table
from tests.sequence_synthetic import one_torch_thread, write_recordings  # noqa: F401

FEATURES = ["signal", "noise", "gappy"]
TREES = {"n_estimators": 10, "n_jobs": 1}
# (event, fitted model, rows): what every fixed member was fitted on and asked about
LOG: list[tuple[str, int, frozenset]] = []
TOKENS = itertools.count()


class Fixed(ScorerMixin, RegressorMixin, BaseEstimator):
    """A member whose answer is fixed: ``proba`` (one row for every recording, over the
    classes it was fitted on) or ``score``. It records the rows it sees."""

    def __init__(
        self,
        proba: list[float] | None = None,
        score: float = 0.0,
        mode: str = "regression",
        min_label: int = 0,
        max_label: int = 4,
        random_state: int = 0,
    ) -> None:
        self.proba = proba
        self.score = score
        self.mode = mode
        self.min_label = min_label
        self.max_label = max_label
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Fixed:
        self.token_ = next(TOKENS)  # not id(): a discarded inner-fold model's id is reused
        LOG.append(("fit", self.token_, frozenset(X.index)))
        self.classes_ = np.unique(y)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def predict_proba(self, X: pd.DataFrame) -> pd.DataFrame:
        LOG.append(("predict", self.token_, frozenset(X.index)))
        p = np.asarray(self.proba, dtype=float)[: len(self.classes_)]
        rows = np.tile(p / p.sum(), (len(X), 1))
        return pd.DataFrame(rows, columns=self.classes_, index=X.index)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        if self.mode != "regression":
            return self._from_proba(self.predict_proba(X))
        LOG.append(("predict", self.token_, frozenset(X.index)))
        return np.full(len(X), float(self.score))


def fixed_from_config(cfg: Any, task: str, min_label: int, max_label: int) -> Fixed:
    return Fixed(**cfg.params, mode=cfg.mode, min_label=min_label, max_label=max_label)


@pytest.fixture
def fixed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Two fixed members in the registry, for this test only."""
    extra = {
        name: registry.ModelSpec(
            name, registry.SCORER, "features", f"{__name__}:fixed_from_config", "a fixed answer"
        )
        for name in ("fixed_a", "fixed_b")
    }
    monkeypatch.setattr(registry, "REGISTRY", MappingProxyType({**registry.REGISTRY, **extra}))
    LOG.clear()
    yield
    LOG.clear()


def _three_classes() -> tuple[pd.DataFrame, np.ndarray]:
    X = pd.DataFrame({"f": np.arange(9.0)})
    return X, np.array([0, 1, 2] * 3)


def test_soft_vote_is_the_mean_worked_out_by_hand(fixed: None) -> None:
    X, y = _three_classes()
    a = {"name": "fixed_a", "params": {"proba": [0.2, 0.5, 0.3], "score": 1.0}}
    b = {"name": "fixed_b", "params": {"proba": [0.6, 0.2, 0.2], "score": 3.0}}
    vote = Ensemble(members=[a, b], mode="classification").fit(X, y)
    proba = vote.predict_proba(X)
    assert list(proba.columns) == [0, 1, 2]
    np.testing.assert_allclose(proba.to_numpy(), [[0.4, 0.35, 0.25]] * 9)  # (a + b) / 2
    assert (vote.predict(X) == 0).all()  # the most probable class
    ordinal = Ensemble(members=[a, b], mode="ordinal_classification").fit(X, y)
    np.testing.assert_allclose(ordinal.predict(X), 0.35 + 2 * 0.25)  # the expected score
    weighted = Ensemble(members=[{**a, "weight": 3.0}, b], mode="classification").fit(X, y)
    np.testing.assert_allclose(weighted.predict_proba(X).iloc[0], [0.3, 0.425, 0.275])
    assert (weighted.predict(X) == 1).all()
    regression = Ensemble(members=[a, b]).fit(X, y)
    np.testing.assert_allclose(regression.predict(X), 2.0)  # (1 + 3) / 2
    two_seeds = Ensemble(members=[{**a, "seeds": [0, 1, 2]}, b]).fit(X, y)  # a three times
    np.testing.assert_allclose(two_seeds.predict(X), (3 * 1.0 + 3.0) / 4)


def test_members_are_the_registrys_models_with_their_params_and_seeds() -> None:
    table = labelled_table()
    X, y = table[FEATURES], table["label"].to_numpy()
    members = [
        {"name": "random_forest", "params": TREES, "seeds": [0, 1]},
        {"name": "lightgbm", "params": TREES},
    ]
    vote = Ensemble(members=members, mode="classification", random_state=7).fit(X, y)
    assert vote.member_names_ == ["random_forest", "random_forest", "lightgbm"]
    assert vote.member_seeds_ == [0, 1, 7]  # lightgbm: the ensemble's seed
    alone = [
        ScoreModel(name, "classification", TREES, random_state=seed).fit(X, y).predict_proba(X)
        for name, seed in (("random_forest", 0), ("random_forest", 1), ("lightgbm", 7))
    ]
    np.testing.assert_allclose(vote.predict_proba(X), sum(alone) / 3, rtol=1e-10)
    assert list(vote.feature_names_in_) == FEATURES


def test_stacking_never_sees_the_held_out_rows(fixed: None) -> None:
    """Fitted on the training rows of a split: every member fit and every out-of-fold answer
    stays inside them, inner folds keep subjects whole, the test rows only get scored."""
    table = labelled_table(60)
    X, y = table[FEATURES], table["label"].to_numpy()
    subjects = table["subject_id"].to_numpy()
    test = np.isin(subjects, [f"S{i}" for i in range(0, 30, 3)])  # a third of the subjects
    train_rows, test_rows = frozenset(X.index[~test]), frozenset(X.index[test])
    members = [
        {"name": "fixed_a", "params": {"score": 1.0}},
        {"name": "random_forest", "params": TREES},
    ]
    stack = Ensemble(members=members, method="stacking", inner_folds=4)
    stack.fit(X[~test], y[~test], groups=subjects[~test])
    fits = {inst: rows for event, inst, rows in LOG if event == "fit"}
    predictions = [(inst, rows) for event, inst, rows in LOG if event == "predict"]
    assert len(fits) == 4 + 1  # one a inner fold, then the refit on all training rows
    assert all(rows <= train_rows for rows in fits.values())
    assert list(fits.values())[-1] == train_rows
    inner = [(fits[inst], rows) for inst, rows in predictions]
    assert len(inner) == 4
    assert frozenset().union(*(rows for _, rows in inner)) == train_rows  # each row once
    for fitted, answered in inner:
        assert not fitted & answered  # out of fold
        by_subject = pd.Series(subjects, index=X.index)
        assert not set(by_subject[list(fitted)]) & set(by_subject[list(answered)])
    assert stack.oof_.shape == (len(train_rows), 2)
    coef = stack.meta_.coef_.copy()
    LOG.clear()
    score = stack.predict(X[test])
    assert [event for event, _, _ in LOG] == ["predict"] and LOG[0][2] == test_rows
    np.testing.assert_array_equal(stack.meta_.coef_, coef)
    assert score.shape == (int(test.sum()),) and ((score >= 0) & (score <= 4)).all()
    assert (stack.meta_.coef_ >= 0).all()  # the regression meta-learner: non-negative weights


def test_stacking_through_cross_validation_learns_and_pickles() -> None:
    table = labelled_table(60)
    folds = make_folds(table, SplitConfig(n_splits=3))
    members = [{"name": "random_forest", "params": TREES}, {"name": "ordinal_logistic"}]
    for mode in ("regression", "classification"):
        cfg = ModelConfig(
            name="ensemble", mode=mode, params={"members": members, "method": "stacking"}
        )
        result = cross_validate(table, folds, cfg)
        pred = result.predictions
        assert sorted(pred["sample_id"]) == sorted(table["sample_id"])
        assert pred["score"].between(0, 4).all()
        error = np.abs(pred["score"] - pred["label"]).mean()
        assert error < np.abs(pred["baseline_mean"] - pred["label"]).mean()
        assert result.model.applicability_ is not None  # described like any feature model
        assert (mode == "classification") == (getattr(result.model, "interval_", None) is None)
        again = pickle.loads(pickle.dumps(result.model))
        X = table[FEATURES]
        np.testing.assert_allclose(again.predict(X), result.model.predict(X))
    assert list(result.model.predict_proba(X).columns) == [0, 1, 2, 3, 4]


def test_sequence_ensemble_gives_each_member_what_it_reads(tmp_path: Any) -> None:
    table = write_recordings(tmp_path / "seq", n_subjects=6)
    rng = np.random.default_rng(0)
    table["amplitude"] = table["label"] + rng.normal(0, 0.3, len(table))  # a feature column
    quick = {"hidden": 8, "levels": 2, "kernel_size": 3, "max_epochs": 2, "batch_size": 8,
             "val_fraction": 0.0, "max_len": 32}  # fmt: skip
    members = [{"name": "tcn", "params": quick}, {"name": "random_forest", "params": TREES}]
    model = Ensemble("sequence_ensemble", members).fit(table, table["label"].to_numpy())
    tcn, forest = model.models_
    assert "source" in list(tcn.feature_names_in_)
    assert list(forest.feature_names_in_) == ["amplitude"]  # the feature columns only
    assert {"source", "amplitude"} <= set(model.feature_names_in_)
    assert model.predict(table).shape == (len(table),)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("ensemble", {"members": [{"name": "nope"}]}, "unknown model 'nope'"),
        ("ensemble", {"members": ["tcn"]}, "takes feature-table members"),
        ("ensemble", {"members": ["autoencoder"]}, "is a one-class model"),
        ("sequence_ensemble", {"members": ["vlm"]}, "is a zero-shot model"),
        ("ensemble", {"members": ["ensemble"]}, "cannot be a member"),
        ("sequence_ensemble", {"members": [{"name": "tcn", "params": {"epochs": 3}}]}, "epochs"),
        ("ensemble", {"members": [{"name": "xgboost", "params": {"select_k": 0}}]}, "select_k"),
        ("ensemble", {"members": [{"name": "xgboost", "seeds": 3}]}, "seeds"),
        ("ensemble", {"members": [{"name": "xgboost", "weight": 0}]}, "weight"),
        ("ensemble", {"members": [{"name": "xgboost", "seed": 1}]}, "unknown key"),
        ("ensemble", {"members": []}, "non-empty list"),
        ("ensemble", {"method": "blend"}, "method must be"),
        ("ensemble", {"inner_folds": 1}, "inner_folds"),
        ("ensemble", {"meta": 1}, "unknown parameter"),
    ],
)
def test_bad_members_fail_when_the_configuration_is_read(
    name: str, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ModelConfig(name=name, params=params)
