"""What a trained model knows about its own training inputs, and what it says about a new one.

A score is only as trustworthy as the distance between the new input and the data the
model learned from. At the final fit, :func:`describe_training` attaches three things to a
feature-table model or ensemble (they travel with it into the registry):

- ``applicability_``: an :class:`~hawkeye.applicability.ApplicabilityDomain` of the training
  features and recording conditions (taps counted, tapping duration, fps);
- ``interval_``: a split-conformal interval from the out-of-fold residuals (regression and
  expected-score modes), stated with its coverage;
- ``training_``: the label summary, so an external evaluation can put the model beside the
  baselines fitted on the model's *own* training data.

:func:`assess` turns them into one verdict per input row; a model without them (a sequence
net, a zero-shot scorer, a model registered before) is "not assessed", never "inside".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from hawkeye.applicability import ApplicabilityDomain, tapping_conditions
from hawkeye.models.classical import ScoreModel
from hawkeye.models.ensemble import Ensemble
from hawkeye.uncertainty import ConformalInterval

# Per task: the recording conditions derivable from its feature columns.
CONDITIONS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "finger_tapping": tapping_conditions,
}
INTERVAL_COVERAGE = 0.9
NOT_ASSESSED = {
    "verdict": "not assessed",
    "reasons": ["the model carries no description of its training inputs"],
}


def conditions_for(task: str, table: pd.DataFrame) -> pd.DataFrame:
    """The task's recording conditions, plus the frame rate where the table has one."""
    derive = CONDITIONS.get(task)
    cond = derive(table) if derive else pd.DataFrame(index=table.index)
    fps = table["fps"] if "fps" in table.columns else pd.Series(np.nan, index=table.index)
    return cond.assign(fps=pd.to_numeric(fps, errors="coerce").to_numpy())


def describe_training(
    model: Any,
    table: pd.DataFrame,
    features: list[str],
    predictions: pd.DataFrame,
    task: str,
    applicability: dict[str, float] | None = None,
) -> Any:
    """Attach the training description to ``model`` (the final fit) and return it.

    ``applicability``: the thresholds of :class:`ApplicabilityDomain` (``model.applicability``
    in a run configuration)."""
    feature_table = isinstance(model, ScoreModel) or (
        isinstance(model, Ensemble) and model.kind == "ensemble"
    )
    if not feature_table:
        return model
    model.applicability_ = ApplicabilityDomain(**(applicability or {})).fit(
        table[features].apply(pd.to_numeric, errors="coerce"), conditions_for(task, table)
    )
    labels = table["label"].to_numpy(dtype=float)
    values, counts = np.unique(labels, return_counts=True)
    model.training_ = {
        "n_recordings": len(table),
        "n_subjects": int(table["subject_id"].nunique()) if "subject_id" in table else -1,
        "label_mean": float(labels.mean()),
        "label_majority": float(values[np.argmax(counts)]),
        "label_counts": {str(int(v)): int(c) for v, c in zip(values, counts, strict=True)},
    }
    if model.mode != "classification":
        scored = predictions[np.isfinite(predictions["score"].to_numpy(dtype=float))]
        model.interval_ = ConformalInterval(
            coverage=INTERVAL_COVERAGE, min_label=model.min_label, max_label=model.max_label
        ).fit(scored["label"].to_numpy(dtype=float), scored["score"].to_numpy(dtype=float))
    return model


def assess(model: Any, X: pd.DataFrame, conditions: pd.DataFrame | None = None) -> list[dict]:
    """One applicability verdict a row (``not assessed`` without a training description)."""
    domain = getattr(model, "applicability_", None)
    if domain is None:
        return [dict(NOT_ASSESSED) for _ in range(len(X))]
    names = [str(c) for c in model.feature_names_in_]
    X = X.reindex(columns=names)
    if hasattr(model, "transform_features"):  # a site-adapted model: judged as the base sees it
        X = model.transform_features(X)
    return domain.assess(X, conditions)


def intervals(model: Any, scores: np.ndarray) -> np.ndarray | None:
    """``[n, 2]`` score intervals, or None when the model has none (classification mode)."""
    interval = getattr(model, "interval_", None)
    if interval is None:
        return None
    scores = np.asarray(scores, dtype=float)
    out = np.full((len(scores), 2), np.nan)
    ok = np.isfinite(scores)  # a refused row has no score, so no interval
    if ok.any():
        out[ok] = interval.interval(scores[ok])
    return out


def interval_note(model: Any) -> str:
    """How to read the interval, e.g. 'split conformal, 90 % coverage on 489 recordings'."""
    interval = getattr(model, "interval_", None)
    if interval is None:
        return ""
    d = interval.describe()
    return (
        f"{d.get('method', 'split conformal')}: {d.get('coverage', INTERVAL_COVERAGE):.0%} of "
        f"out-of-fold training scores fell within +-{d.get('halfwidth', float('nan')):.2f}"
    )
