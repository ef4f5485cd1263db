"""Random Forest, XGBoost, LightGBM and ordinal-logistic scorers of ordinal severity on
feature tables.

Every one is a scikit-learn pipeline fitted on the training rows alone: median imputation,
then (``params.select_k``) univariate feature selection, then the model. So in
cross-validation the features are chosen on each training fold, never with the held-out
fold's labels.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.feature_selection import SelectKBest, f_classif, f_regression
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler
from xgboost import XGBClassifier, XGBRegressor

from hawkeye.models import registry
from hawkeye.models.base import ScorerMixin

if TYPE_CHECKING:
    from hawkeye.config import ModelConfig


def random_forest(regression: bool, params: dict[str, Any]) -> BaseEstimator:
    return (RandomForestRegressor if regression else RandomForestClassifier)(**params)


def xgboost(regression: bool, params: dict[str, Any]) -> BaseEstimator:
    return (XGBRegressor if regression else XGBClassifier)(**params)


def lightgbm(regression: bool, params: dict[str, Any]) -> BaseEstimator:
    from lightgbm import LGBMClassifier, LGBMRegressor  # only this model needs it

    return (LGBMRegressor if regression else LGBMClassifier)(**params)


# ``params.select_k`` of a feature-table model: keep the k features with the largest
# univariate F statistic against the label (ANOVA F for classifiers, the correlation's F
# for regression), chosen inside the pipeline, so on the training rows only.
SELECT_KEY = "select_k"


def _f_scores(score: Any, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """F statistics with a constant column scored 0 (not NaN, and without a warning)."""
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", (UserWarning, RuntimeWarning))
        f, p = score(X, y)
    return np.nan_to_num(f, nan=0.0, posinf=0.0), np.nan_to_num(p, nan=1.0)


def f_classif_scores(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _f_scores(f_classif, X, y)


def f_regression_scores(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _f_scores(f_regression, X, y)


def selector(k: int | str, n_features: int, classifier: bool) -> SelectKBest:
    """The selection step: the top ``k`` (at most every) feature by F statistic."""
    score = f_classif_scores if classifier else f_regression_scores
    return SelectKBest(score, k="all" if k == "all" else min(int(k), n_features))


def ordinal_logistic(regression: bool, params: dict[str, Any]) -> BaseEstimator:
    """Classes are scores whatever the mode (``ordinal`` in its registry entry)."""
    from mord import LogisticAT  # only this model needs it

    params.pop("random_state")  # deterministic: L-BFGS from zeros
    return Pipeline([("scale", StandardScaler()), ("ordinal", LogisticAT(**params))])


def _estimator(name: str, mode: str, params: dict[str, Any], seed: int) -> BaseEstimator:
    """The registered factory, given the registry's defaults, then ``params``, then the seed."""
    merged = {**registry.spec(name).defaults, **params, "random_state": seed}
    return registry.estimator_factory(name)(mode == "regression", merged)


def from_config(cfg: ModelConfig, task: str, min_label: int, max_label: int) -> ScoreModel:
    """The registry's builder of a feature-table model."""
    return ScoreModel(cfg.name, cfg.mode, cfg.params, min_label, max_label, cfg.seed)


class ScoreModel(ScorerMixin, RegressorMixin, BaseEstimator):
    """Predicts a continuous severity in ``[min_label, max_label]``; ``predict_label`` rounds it.

    ``regression`` suits ordinal scores (an error of 2 costs more than an error
    of 1); ``ordinal_classification`` fits a classifier and predicts the expected
    score from its class probabilities; ``classification`` predicts the most
    probable class, the only sensible choice for unordered labels (actions,
    error types), where an "average class" means nothing. ``ordinal_logistic`` is
    a classifier over ordered scores whatever the mode: ``regression`` and
    ``ordinal_classification`` give its expected score, ``classification`` its mode.
    """

    def __init__(
        self,
        model: str = "random_forest",
        mode: str = "regression",
        params: dict[str, Any] | None = None,
        min_label: int = 0,
        max_label: int = 4,
        random_state: int = 0,
    ) -> None:
        self.model = model
        self.mode = mode
        self.params = params
        self.min_label = min_label
        self.max_label = max_label
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> ScoreModel:
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        params = dict(self.params or {})
        select_k = params.pop(SELECT_KEY, None)
        registry.check_select_k(select_k)
        est = _estimator(self.model, self.mode, params, self.random_state)
        y = np.asarray(y)
        if self.is_classifier:
            self.encoder_ = LabelEncoder().fit(y)
            y = self.encoder_.transform(y)
        steps: list[tuple[str, Any]] = [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True))
        ]
        if select_k is not None:  # fitted with the rest, on these (training) rows only
            steps.append(("select", selector(select_k, X.shape[1], self.is_classifier)))
        self.pipeline_ = Pipeline([*steps, ("model", est)])
        self.pipeline_.fit(X.to_numpy(dtype=float), y)
        return self

    @property
    def selected_features_(self) -> list[str]:
        """The feature columns the model reads after selection (all without ``select_k``)."""
        select = self.pipeline_.named_steps.get("select")
        names = [str(c) for c in self.feature_names_in_]
        if select is None:
            return names
        return [n for n, keep in zip(names, select.get_support(), strict=True) if keep]

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise ValueError(f"{len(missing)} feature column(s) missing, e.g. {missing[:5]}")
        return X[list(self.feature_names_in_)].to_numpy(dtype=float)

    def predict_proba(self, X: pd.DataFrame) -> pd.DataFrame:
        """Class probabilities, columns are the scores seen in training (classification only)."""
        if not self.is_classifier:
            raise AttributeError(
                f"predict_proba needs a classification mode or an ordinal model, not {self.mode!r}"
            )
        proba = self.pipeline_.predict_proba(self._matrix(X))
        return pd.DataFrame(proba, columns=self.encoder_.classes_, index=X.index)

    @property
    def is_classifier(self) -> bool:
        return self.mode in ("classification", "ordinal_classification") or (
            registry.spec(self.model).ordinal
        )

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        if self.is_classifier:  # the most probable class, or the expected score
            score = self._from_proba(self.predict_proba(X))
        else:
            score = self.pipeline_.predict(self._matrix(X))
        return self._clip(score)
