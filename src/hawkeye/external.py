"""External validation and site adaptation of a trained model.

A model that is excellent inside one cohort can be worse than a constant on another
(other cameras, protocols, raters). :func:`external_report` scores a labelled external
set with the training metrics, beside the baselines fitted on the model's *own* training
data (what the model must beat to be worth using there) and the external set's own mean
(a constant that already knows the site's average: the bar a recalibration must clear).

:class:`AdaptedModel` lets a clinic adapt a model with a small labelled set of its own:
per-site feature standardisation (the site's median/IQR mapped onto the training ones)
and/or an isotonic recalibration of the score. :func:`adapt` estimates what the adaptation
buys by subject-grouped cross-validation on the site's set before fitting it on all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import GroupKFold

from hawkeye.config import DatasetConfig
from hawkeye.config_files import read_parameters
from hawkeye.data.errors import DatasetError
from hawkeye.data.ingest import ingest
from hawkeye.evaluation.metrics import score_metrics
from hawkeye.evaluation.registry import direction
from hawkeye.features.extract import build_features
from hawkeye.scoring import score_features
from hawkeye.uncertainty import ConformalInterval

Method = Literal["isotonic", "standardize", "both"]
METHODS = ("isotonic", "standardize", "both")


@dataclass
class LabelledSet:
    """Labelled recordings read exactly as the model's training data was."""

    name: str
    features: pd.DataFrame  # identity columns + feature columns, one row a recording
    quarantine: pd.DataFrame
    config: DatasetConfig


def labelled_set(
    model_dataset: dict[str, Any], source: Path, name: str | None = None
) -> LabelledSet:
    """Read ``source`` as a labelled set.

    A ``.yaml`` is a run configuration (or a bare ``dataset:`` block) describing the set,
    e.g. videos plus a score sheet; anything else is a file in the format the model was
    trained on (a PARK feature table for a PARK model), read with the model's own dataset
    configuration, its path replaced.
    """
    source = Path(source)
    if source.suffix.lower() in (".yaml", ".yml"):
        raw = read_parameters(source)  # its `extends` layers merged, as for a run
        cfg = DatasetConfig.model_validate(raw.get("dataset", raw))
    else:
        if not model_dataset:
            raise DatasetError("the model carries no dataset configuration: pass a .yaml")
        cfg = DatasetConfig.model_validate(
            {**model_dataset, "path": str(source), "synthetic": None, "holdout": None}
        )
    result = ingest(cfg)
    built = build_features(result.manifest, cfg)
    quarantine = pd.concat([result.quarantine, built.quarantine], ignore_index=True)
    return LabelledSet(name or cfg.name, built.features, quarantine, cfg)


def _constant_metrics(y: np.ndarray, value: float, lo: int, hi: int) -> dict[str, float]:
    return score_metrics(y, np.full(len(y), value, dtype=float), lo, hi)


def external_report(model: Any, data: LabelledSet) -> dict[str, Any]:
    """The model on an external set, beside the training-data baselines and the set's mean."""
    lo, hi = int(model.min_label), int(model.max_label)
    scored = score_features(model, data.features, "sample_id", task=data.config.task)
    y = data.features["label"].to_numpy(dtype=float)
    score = scored["score"].to_numpy(dtype=float)
    ok = np.isfinite(score)
    training = getattr(model, "training_", None) or {}
    pooled: dict[str, dict[str, float]] = {"model": score_metrics(y[ok], score[ok], lo, hi)}
    if training:
        pooled["baseline_majority"] = _constant_metrics(y[ok], training["label_majority"], lo, hi)
        pooled["baseline_mean"] = _constant_metrics(y[ok], training["label_mean"], lo, hi)
    pooled["external_mean"] = _constant_metrics(y[ok], float(np.mean(y[ok])), lo, hi)
    return {
        "set": data.name,
        "n_samples": len(y),
        "n_scored": int(ok.sum()),
        "n_subjects": int(data.features["subject_id"].nunique()),
        "n_quarantined": len(data.quarantine),
        "coverage": float(ok.mean()) if len(y) else 0.0,
        "applicability": scored["applicability"].value_counts().to_dict(),
        "pooled": pooled,
        "predictions": scored.assign(label=y, subject_id=data.features["subject_id"].to_numpy()),
    }


def beats_training_baselines(
    report: dict[str, Any],
    metric: str = "mae",
    margin: float = 0.0,
    greater_is_better: bool | None = None,
) -> tuple[bool, str]:
    """Whether the model beats the best baseline fitted on its own training data there, by
    ``margin``; the direction is the metric's own (hawkeye.evaluation.registry) unless given."""
    up = bool(direction(metric)) if greater_is_better is None else greater_is_better
    pooled = report["pooled"]
    value = pooled["model"].get(metric, float("nan"))
    baselines = {k: v[metric] for k, v in pooled.items() if k.startswith("baseline")}
    if not baselines or not np.isfinite(value):
        return False, f"external {report['set']}: {metric} not measurable"
    name, best = (max if up else min)(baselines.items(), key=lambda kv: kv[1])
    if (value > best + margin) if up else (value < best - margin):
        return True, f"external {report['set']}: {metric}={value:.3f} beats {name} ({best:.3f})"
    return False, (
        f"external {report['set']}: {metric}={value:.3f} does not beat {name} ({best:.3f})"
        + (f" by {margin}" if margin else "")
    )


class AdaptedModel(BaseEstimator):
    """A registered model adapted to one site: standardised features and/or a recalibrated score.

    ``standardize`` maps each feature's site median/IQR onto the training median/IQR (the
    base model's applicability description keeps them), which undoes a camera or protocol
    that scales every amplitude; ``isotonic`` fits a monotone map from the base score to the
    site's ratings, which undoes a systematic over- or under-scoring by its raters' standard.
    """

    def __init__(self, base: Any = None, method: Method = "isotonic") -> None:
        self.base = base
        self.method = method

    # The estimator contract the rest of Hawkeye reads off a model.
    @property
    def min_label(self) -> int:
        return int(self.base.min_label)

    @property
    def max_label(self) -> int:
        return int(self.base.max_label)

    @property
    def mode(self) -> str:
        return "regression"

    @property
    def model(self) -> str:
        return f"{getattr(self.base, 'model', type(self.base).__name__)} + {self.method}"

    is_classifier = False

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> AdaptedModel:
        if self.method not in METHODS:
            raise ValueError(f"unknown adaptation {self.method!r}; known: {list(METHODS)}")
        self.feature_names_in_ = np.asarray(self.base.feature_names_in_, dtype=object)
        X = self._frame(X)
        if self.method in ("standardize", "both"):
            centre, scale = _robust(X)
            domain = self.base.applicability_
            self.site_centre_, self.site_scale_ = centre, scale
            self.train_centre_ = np.asarray(domain.median_, dtype=float)
            self.train_scale_ = np.asarray(domain.scale_, dtype=float)
        if self.method in ("isotonic", "both"):
            score = np.asarray(self.base.predict(self._standardized(X)), dtype=float)
            self.calibrator_ = IsotonicRegression(
                y_min=self.min_label, y_max=self.max_label, out_of_bounds="clip"
            ).fit(score, np.asarray(y, dtype=float))
        self.applicability_ = getattr(self.base, "applicability_", None)
        self.training_ = getattr(self.base, "training_", None)
        return self

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:
        names = [str(c) for c in self.feature_names_in_]
        return X.reindex(columns=names).apply(pd.to_numeric, errors="coerce")

    def _standardized(self, X: pd.DataFrame) -> pd.DataFrame:
        if self.method not in ("standardize", "both"):
            return X
        values = (X.to_numpy(dtype=float) - self.site_centre_) / self.site_scale_
        return pd.DataFrame(
            values * self.train_scale_ + self.train_centre_, columns=X.columns, index=X.index
        )

    def transform_features(self, X: pd.DataFrame) -> pd.DataFrame:
        """The site's features as the base model sees them (for applicability)."""
        return self._standardized(self._frame(X))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        score = np.asarray(self.base.predict(self.transform_features(X)), dtype=float)
        if self.method in ("isotonic", "both"):
            score = self.calibrator_.predict(score)
        return np.clip(score, self.min_label, self.max_label)


def _robust(X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature median and IQR (1 where a feature does not vary, so nothing is divided by 0)."""
    values = X.to_numpy(dtype=float)
    with np.errstate(all="ignore"):
        centre = np.nanmedian(values, axis=0)
        q1, q3 = np.nanpercentile(values, [25, 75], axis=0)
    scale = q3 - q1
    centre = np.where(np.isfinite(centre), centre, 0.0)
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    return centre, scale


@dataclass
class Adaptation:
    model: AdaptedModel  # fitted on the whole adaptation set: what gets registered
    report: dict[str, Any]  # cross-validated: base vs adapted on the site's held-out subjects
    predictions: pd.DataFrame  # out-of-fold, base and adapted scores


def adapt(
    model: Any, data: LabelledSet, method: Method = "isotonic", n_splits: int = 5
) -> Adaptation:
    """Cross-validate the adaptation on the site's set (grouped by subject), then fit it on all."""
    X, y = data.features, data.features["label"].to_numpy(dtype=float)
    groups = data.features["subject_id"].astype(str).to_numpy()
    k = min(n_splits, len(np.unique(groups)))
    if k < 2:
        raise DatasetError("adaptation needs labelled recordings of at least two subjects")
    base_score = np.asarray(model.predict(X.reindex(columns=list(model.feature_names_in_))), float)
    adapted = np.full(len(y), np.nan)
    fold = np.full(len(y), -1)
    for i, (train, test) in enumerate(GroupKFold(n_splits=k).split(X, y, groups)):
        fitted = AdaptedModel(model, method).fit(X.iloc[train], y[train])
        adapted[test] = fitted.predict(X.iloc[test])
        fold[test] = i
    lo, hi = int(model.min_label), int(model.max_label)
    final = AdaptedModel(model, method).fit(X, y)
    final.interval_ = ConformalInterval(coverage=0.9, min_label=lo, max_label=hi).fit(y, adapted)
    oof = pd.DataFrame(
        {
            "sample_id": X["sample_id"].to_numpy(),
            "subject_id": groups,
            "fold": fold,
            "label": y,
            "base_score": base_score,
            "adapted_score": adapted,
        }
    )
    report = {
        "set": data.name,
        "method": method,
        "n_samples": len(y),
        "n_subjects": len(np.unique(groups)),
        "n_folds": int(k),
        "pooled": {
            "base": score_metrics(y, base_score, lo, hi),
            "adapted": score_metrics(y, adapted, lo, hi),
        },
    }
    return Adaptation(final, report, oof)
