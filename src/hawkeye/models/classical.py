"""Random Forest, XGBoost and ordinal-logistic scorers of ordinal severity on feature tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler
from xgboost import XGBClassifier, XGBRegressor

DEFAULTS: dict[str, dict[str, Any]] = {
    "random_forest": {"n_estimators": 300, "min_samples_leaf": 2, "n_jobs": -1},
    "xgboost": {
        "n_estimators": 300,
        "max_depth": 3,
        "learning_rate": 0.05,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
        "n_jobs": 2,
    },
    # mord's all-threshold ordinal logistic regression: one weight vector and K-1 ordered
    # cut points, so it cannot predict "more severe" from a feature that lowers the odds of
    # every higher score. ``alpha`` is the L2 penalty on standardised features.
    "ordinal_logistic": {"alpha": 1.0, "max_iter": 1000},
}
# Models that are ordinal by construction: their classes are scores, their mean is meaningful.
ORDINAL_MODELS = ("ordinal_logistic",)


def _estimator(name: str, mode: str, params: dict[str, Any], seed: int) -> BaseEstimator:
    regression = mode == "regression"
    merged = {**DEFAULTS[name], **params, "random_state": seed}
    if name == "random_forest":
        return (RandomForestRegressor if regression else RandomForestClassifier)(**merged)
    if name == "xgboost":
        return (XGBRegressor if regression else XGBClassifier)(**merged)
    if name == "ordinal_logistic":
        from mord import LogisticAT  # only this model needs it

        merged.pop("random_state")  # deterministic: L-BFGS from zeros
        return Pipeline([("scale", StandardScaler()), ("ordinal", LogisticAT(**merged))])
    raise ValueError(f"unknown model {name!r}; known: {sorted(DEFAULTS)}")


class ScoreModel(RegressorMixin, BaseEstimator):
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
        est = _estimator(self.model, self.mode, dict(self.params or {}), self.random_state)
        y = np.asarray(y)
        if self.is_classifier:
            self.encoder_ = LabelEncoder().fit(y)
            y = self.encoder_.transform(y)
        self.pipeline_ = Pipeline(
            [("impute", SimpleImputer(strategy="median", keep_empty_features=True)), ("model", est)]
        )
        self.pipeline_.fit(X.to_numpy(dtype=float), y)
        return self

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
            self.model in ORDINAL_MODELS
        )

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        if self.mode == "classification":
            proba = self.predict_proba(X)
            score = proba.columns.to_numpy(dtype=float)[np.argmax(proba.to_numpy(), axis=1)]
        elif self.is_classifier:  # ordered classes: the expected score
            proba = self.predict_proba(X)
            score = proba.to_numpy() @ proba.columns.to_numpy(dtype=float)
        else:
            score = self.pipeline_.predict(self._matrix(X))
        return np.clip(score, self.min_label, self.max_label)

    def predict_label(self, X: pd.DataFrame) -> np.ndarray:
        return np.rint(self.predict(X)).astype(int)
