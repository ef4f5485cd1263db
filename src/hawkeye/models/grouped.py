"""One model per group (``grouped``): e.g. one a rehabilitation exercise, pooled predictions.

'Incorrect' has a meaning only within an exercise: a deep squat done wrong and a
shoulder abduction done wrong share nothing, so one model over all exercises must also
learn which exercise it sees. ``grouped`` fits one copy of a registered scorer per
value of a column of the rows (``group_by``; ``task`` is the manifest's exercise, so
``exercise`` is accepted for it) and scores each row with its group's model. The
predictions are pooled as any model's (one row a recording, the same folds and
baselines), so the pooled figures are what ``evaluate`` reports.

Params::

    model:
      name: grouped
      params:
        group_by: task          # a column of the rows (exercise = task)
        model: {name: minirocket, params: {...}}   # or just a name
        unseen: error           # a group not seen in training: error, or pooled (one
                                # more model over every training row scores it)

It reads whole rows (``inputs: sequences``), so the group column is there whatever the
inner model reads; a feature-table model gets the rows' feature columns. The inner
model is a supervised scorer; ``fit`` passes ``groups`` (subjects) on to one whose
``fit`` takes them.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin

from hawkeye.errors import HawkeyeError
from hawkeye.models.base import ScorerMixin
from hawkeye.models.registry import GROUPED_DEFAULTS as DEFAULTS

if TYPE_CHECKING:
    from hawkeye.config import ModelConfig

UNSEEN = ("error", "pooled")
ALIASES = {"exercise": "task"}  # the manifest's name for UI-PRMD's (and KERAAL's) exercise
MODES = ("regression", "classification", "ordinal_classification")


class UnseenGroup(HawkeyeError, ValueError):
    """A row's group had no model in training (and ``unseen`` is ``error``)."""


def _inner(value: Any) -> tuple[str, dict[str, Any]]:
    """``model`` as (name, params): a registered name, or ``{name, params}``."""
    entry = {"name": value} if isinstance(value, str) else value
    if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
        raise ValueError(f"grouped: model is a model name or {{name, params}}, got {value!r}")
    unknown = sorted(set(entry) - {"name", "params"})
    if unknown:
        raise ValueError(f"grouped: model has unknown key(s) {unknown}; known: name, params")
    params = entry.get("params") or {}
    if not isinstance(params, Mapping):
        raise ValueError("grouped: model params must be a mapping")
    return entry["name"], dict(params)


def check_params(params: dict[str, Any]) -> None:
    """The registry's check: known keys, a string column, a supervised inner scorer."""
    from hawkeye.models import registry  # the registry imports this module's check

    unknown = sorted(set(params) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}; known: {sorted(DEFAULTS)}")
    p = {**DEFAULTS, **params}
    if not isinstance(p["group_by"], str) or not p["group_by"]:
        raise ValueError(f"group_by must be a column name, got {p['group_by']!r}")
    if p["unseen"] not in UNSEEN:
        raise ValueError(f"unseen must be one of {list(UNSEEN)}, got {p['unseen']!r}")
    name, inner = _inner(p["model"])
    spec = registry.spec(name)  # an unknown name lists the known ones
    if name == "grouped" or spec.kind != registry.SCORER or spec.zero_shot:
        raise ValueError(f"grouped: model {name} must be a supervised scorer ({spec.kind})")
    if spec.inputs not in ("features", "sequences"):
        raise ValueError(f"grouped: model {name} reads {spec.inputs}")
    registry.check_params(name, inner)


def from_config(cfg: ModelConfig, task: str, min_label: int, max_label: int) -> GroupedModel:
    """The registry's builder of ``grouped``."""
    p = {**DEFAULTS, **cfg.params}
    name, inner = _inner(p["model"])
    return GroupedModel(
        group_by=p["group_by"],
        model=name,
        model_params=inner,
        unseen=p["unseen"],
        mode=cfg.mode,
        min_label=min_label,
        max_label=max_label,
        random_state=cfg.seed,
        task=task,
    )


class GroupedModel(ScorerMixin, RegressorMixin, BaseEstimator):
    """One fitted ``model`` per value of ``group_by`` (module note); a scorer's contract.

    After ``fit``: ``groups_`` (the group values, as strings), ``models_`` (value ->
    fitted model), ``pooled_`` (with ``unseen: pooled``), ``classes_`` in the
    classification modes, ``group_counts_`` (training rows a group).
    """

    def __init__(
        self,
        group_by: str = "task",
        model: str = "random_forest",
        model_params: Mapping[str, Any] | None = None,
        unseen: str = "error",
        mode: str = "regression",
        min_label: int = 0,
        max_label: int = 4,
        random_state: int = 0,
        task: str = "finger_tapping",
    ) -> None:
        self.group_by = group_by
        self.model = model
        self.model_params = model_params
        self.unseen = unseen
        self.mode = mode
        self.min_label = min_label
        self.max_label = max_label
        self.random_state = random_state
        self.task = task

    @property
    def is_classifier(self) -> bool:
        return self.mode != "regression"

    @property
    def column(self) -> str:
        return ALIASES.get(self.group_by, self.group_by)

    def _keys(self, X: pd.DataFrame) -> np.ndarray:
        if self.column not in X.columns:
            raise ValueError(
                f"grouped: the rows have no {self.column!r} column to group by "
                f"(columns: {', '.join(map(str, X.columns))})"
            )
        return X[self.column].astype(str).to_numpy()

    def _build(self) -> Any:
        from hawkeye.config import ModelConfig
        from hawkeye.models import registry

        cfg = ModelConfig.model_construct(
            name=self.model,
            mode=self.mode,
            params=dict(self.model_params or {}),
            seed=self.random_state,
        )
        return registry.build_model(cfg, self.task, self.min_label, self.max_label)

    def _input(self, X: pd.DataFrame) -> pd.DataFrame:
        from hawkeye.models import registry

        if registry.spec(self.model).inputs != "features":
            return X
        from hawkeye.features.table import feature_columns

        return X[feature_columns(X)]

    def _fit_one(self, X: pd.DataFrame, y: np.ndarray, groups: np.ndarray | None) -> Any:
        model = self._build()
        if groups is not None and "groups" in inspect.signature(model.fit).parameters:
            return model.fit(self._input(X), y, groups=groups)
        return model.fit(self._input(X), y)

    def fit(self, X: pd.DataFrame, y: np.ndarray, groups: Sequence | None = None) -> GroupedModel:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.unseen not in UNSEEN:
            raise ValueError(f"unseen must be one of {list(UNSEEN)}, got {self.unseen!r}")
        y = np.asarray(y)
        keys = self._keys(X)
        subjects = None if groups is None else np.asarray(groups)
        if self.is_classifier:
            self.classes_ = np.unique(y)
        self.groups_ = sorted(np.unique(keys))
        self.models_ = {}
        self.group_counts_ = {}
        for g in self.groups_:
            rows = keys == g
            sub = None if subjects is None else subjects[rows]
            self.models_[g] = self._fit_one(X[rows], y[rows], sub)
            self.group_counts_[g] = int(rows.sum())
        self.pooled_ = self._fit_one(X, y, subjects) if self.unseen == "pooled" else None
        columns = {
            str(c) for m in self.models_.values() for c in getattr(m, "feature_names_in_", [])
        }
        columns.add(self.column)
        self.feature_names_in_ = np.asarray(
            [c for c in X.columns if str(c) in columns], dtype=object
        )
        return self

    def group_of(self, X: pd.DataFrame) -> np.ndarray:
        """Each row's group (as text): the predictions' ``group`` column."""
        return self._keys(X)

    def _route(self, X: pd.DataFrame) -> list[tuple[Any, np.ndarray]]:
        """(model, row mask) for every group among ``X``'s rows."""
        keys = self._keys(X)
        unknown = sorted(set(keys) - set(self.models_))
        if unknown and self.pooled_ is None:
            raise UnseenGroup(
                f"grouped: no model for {self.column} {unknown} (trained on {self.groups_}); "
                "train with them, or set unseen: pooled"
            )
        out = [(self.models_[g], keys == g) for g in self.groups_ if (keys == g).any()]
        if unknown:
            out.append((self.pooled_, np.isin(keys, unknown)))
        return out

    def predict_proba(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each row's group model's class probabilities, on every class seen in training."""
        if not self.is_classifier:
            raise AttributeError(f"predict_proba needs a classification mode, not {self.mode!r}")
        out = pd.DataFrame(0.0, index=X.index, columns=self.classes_)
        for model, rows in self._route(X):
            proba = model.predict_proba(self._input(X[rows]))
            proba = pd.DataFrame(proba).reindex(columns=self.classes_, fill_value=0.0)
            out.loc[X.index[rows]] = proba.to_numpy(dtype=float)
        return out

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        score = np.zeros(len(X))
        for model, rows in self._route(X):
            score[rows] = np.asarray(model.predict(self._input(X[rows])), dtype=float)
        return self._clip(score)
