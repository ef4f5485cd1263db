"""Ensembles over registered models and seeds: a soft vote, or stacking (issue 13).

``ensemble`` combines feature-table models; ``sequence_ensemble`` reads whole rows and
gives each member what it reads (the feature columns, or the landmark files), so a TCN
and a LightGBM can vote together. Members are built by the registry
(:func:`hawkeye.models.registry.build_model`), each once per seed; the params are
:mod:`hawkeye.models.ensemble_params`'.

- ``vote``: the weighted mean of the members' class probabilities (classification
  modes; ``predict`` is then their argmax or expected score as for any scorer), or of
  their scores (regression).
- ``stacking``: the training rows are split into ``inner_folds`` folds (whole subjects
  where ``subject_id`` is there); each member is fitted on all but one fold and predicts
  that one, and a meta-learner is fitted on those out-of-fold outputs: ridge with
  non-negative weights on the scores (regression), logistic regression on the
  probabilities (classification modes). The members are then refitted on every training
  row. All of it happens inside ``fit``, so in cross-validation the meta-learner never sees
  the held-out fold.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GroupKFold, KFold

from hawkeye.models import ensemble_params as ep
from hawkeye.models import registry
from hawkeye.models.base import ScorerMixin

if TYPE_CHECKING:
    from hawkeye.config import ModelConfig

log = logging.getLogger(__name__)
MODES = ("regression", "classification", "ordinal_classification")


def from_config(cfg: ModelConfig, task: str, min_label: int, max_label: int) -> Ensemble:
    """The registry's builder of ``ensemble`` and ``sequence_ensemble``."""
    p = ep.resolve(cfg.name, cfg.params)
    return Ensemble(
        kind=cfg.name,
        members=p["members"],
        method=p["method"],
        inner_folds=p["inner_folds"],
        meta_alpha=p["meta_alpha"],
        mode=cfg.mode,
        min_label=min_label,
        max_label=max_label,
        random_state=cfg.seed,
        task=task,
    )


class Ensemble(ScorerMixin, RegressorMixin, BaseEstimator):
    """A soft vote or a stack of registered scorers; the contract of
    :class:`hawkeye.models.classical.ScoreModel` (``predict_proba`` in the classification
    modes, scores clipped to ``[min_label, max_label]``)."""

    def __init__(
        self,
        kind: str = "ensemble",
        members: Sequence[Any] | None = None,
        method: str = "vote",
        inner_folds: int = 5,
        meta_alpha: float = 1.0,
        mode: str = "regression",
        min_label: int = 0,
        max_label: int = 4,
        random_state: int = 0,
        task: str = "finger_tapping",
    ) -> None:
        self.kind = kind
        self.members = members
        self.method = method
        self.inner_folds = inner_folds
        self.meta_alpha = meta_alpha
        self.mode = mode
        self.min_label = min_label
        self.max_label = max_label
        self.random_state = random_state
        self.task = task

    # ------------------------------------------------------------------ members
    @property
    def is_classifier(self) -> bool:
        return self.mode != "regression"

    def _configs(self) -> list[tuple[ep.Member, int]]:
        """(member, seed) for every model the ensemble fits, members checked."""
        members = ep.members(self.members or ep.DEFAULTS[self.kind]["members"], self.random_state)
        for member in members:
            ep.check_member(self.kind, member)
        return [(m, seed) for m in members for seed in m.seeds]

    def _build(self, member: ep.Member, seed: int) -> Any:
        from hawkeye.config import ModelConfig

        # validated by check_member; model_construct keeps names registered after the
        # configuration module was imported (a plugin's, a test's)
        cfg = ModelConfig.model_construct(
            name=member.name, mode=self.mode, params=dict(member.params), seed=seed
        )
        return registry.build_model(cfg, self.task, self.min_label, self.max_label)

    def _input(self, name: str, X: pd.DataFrame) -> pd.DataFrame:
        """What member ``name`` reads: whole rows, or a whole-row table's feature columns."""
        if self.kind == "ensemble" or registry.spec(name).inputs != "features":
            return X
        from hawkeye.features.table import feature_columns

        return X[feature_columns(X)]

    def _fit_members(
        self, configs: list[tuple[ep.Member, int]], X: pd.DataFrame, y: np.ndarray
    ) -> list[Any]:
        return [
            self._build(member, seed).fit(self._input(member.name, X), y)
            for member, seed in configs
        ]

    def _outputs(self, models: list[Any], X: pd.DataFrame) -> np.ndarray:
        """``[rows, models, classes]`` probabilities (columns ``classes_``), or ``[rows,
        models]`` scores in regression."""
        pairs = list(zip(self.member_names_, models, strict=True))
        if not self.is_classifier:
            scores = [model.predict(self._input(name, X)) for name, model in pairs]
            return np.column_stack([np.asarray(s, dtype=float) for s in scores])
        out = np.zeros((len(X), len(models), len(self.classes_)))
        for j, (n, model) in enumerate(pairs):
            proba = model.predict_proba(self._input(n, X))
            # a member fitted where a class was absent (an inner fold) gives it 0
            aligned = proba.reindex(columns=self.classes_, fill_value=0.0)
            out[:, j] = aligned.to_numpy(dtype=float)
        return out

    # ------------------------------------------------------------------ fitting
    def fit(self, X: pd.DataFrame, y: np.ndarray, groups: Sequence | None = None) -> Ensemble:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.method not in ep.METHODS:
            raise ValueError(f"method must be one of {ep.METHODS}, got {self.method!r}")
        y = np.asarray(y)
        configs = self._configs()
        if self.is_classifier:
            self.classes_ = np.unique(y)
        self.member_names_ = [m.name for m, _ in configs]
        self.member_seeds_ = [seed for _, seed in configs]
        self.weights_ = np.array([m.weight for m, _ in configs])
        if self.method == "stacking":
            self.meta_ = self._fit_meta(configs, X, y, groups)
        self.models_ = self._fit_members(configs, X, y)
        columns = {str(c) for model in self.models_ for c in model.feature_names_in_}
        self.feature_names_in_ = np.asarray(
            [c for c in X.columns if str(c) in columns], dtype=object
        )
        return self

    def _inner_folds(self, X: pd.DataFrame, groups: Sequence | None) -> list[tuple[Any, Any]]:
        if groups is None and "subject_id" in X.columns:
            groups = X["subject_id"].to_numpy()
        if groups is not None:
            n = min(self.inner_folds, len(np.unique(np.asarray(groups).astype(str))))
            if n >= 2:
                return list(GroupKFold(n).split(X, groups=np.asarray(groups).astype(str)))
        log.warning(
            "stacking: the rows carry no subject_id (or one subject), so the inner folds split "
            "recordings, not subjects, and the meta-learner may trust members that remember a "
            "subject; sequence_ensemble reads whole rows and groups its inner folds by subject"
        )
        n = min(self.inner_folds, len(X))
        return list(KFold(n, shuffle=True, random_state=self.random_state).split(X))

    def _fit_meta(
        self,
        configs: list[tuple[ep.Member, int]],
        X: pd.DataFrame,
        y: np.ndarray,
        groups: Sequence | None,
    ) -> Any:
        """The meta-learner, on out-of-fold outputs of members fitted inside ``X`` only."""
        oof: np.ndarray | None = None
        for train, held in self._inner_folds(X, groups):
            models = self._fit_members(configs, X.iloc[train], y[train])
            out = self._outputs(models, X.iloc[held])
            if oof is None:
                oof = np.zeros((len(X), *out.shape[1:]))
            oof[held] = out
        assert oof is not None
        self.oof_ = oof
        return self._meta_learner().fit(self._meta_features(oof), y)

    def _meta_learner(self) -> Any:
        if self.is_classifier:
            return LogisticRegression(C=1.0 / self.meta_alpha, max_iter=2000)
        return Ridge(alpha=self.meta_alpha, positive=True)

    @staticmethod
    def _meta_features(outputs: np.ndarray) -> np.ndarray:
        return outputs.reshape(len(outputs), -1)

    # ------------------------------------------------------------------ scoring
    def predict_proba(self, X: pd.DataFrame) -> pd.DataFrame:
        """Class probabilities, columns are the scores seen in training (classification modes)."""
        if not self.is_classifier:
            raise AttributeError(f"predict_proba needs a classification mode, not {self.mode!r}")
        outputs = self._outputs(self.models_, X)
        if self.method == "stacking":
            proba = self.meta_.predict_proba(self._meta_features(outputs))
            proba = pd.DataFrame(proba, columns=self.meta_.classes_, index=X.index)
            return proba.reindex(columns=self.classes_, fill_value=0.0)
        w = self.weights_ / self.weights_.sum()
        return pd.DataFrame(
            np.einsum("rmc,m->rc", outputs, w), columns=self.classes_, index=X.index
        )

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        if self.is_classifier:
            return self._clip(self._from_proba(self.predict_proba(X)))
        outputs = self._outputs(self.models_, X)
        if self.method == "stacking":
            score = self.meta_.predict(self._meta_features(outputs))
        else:
            score = outputs @ (self.weights_ / self.weights_.sum())
        return self._clip(score)
