"""Every metric Hawkeye reports, declared once: name, function, direction, where it applies.

``evaluate_predictions`` computes the metrics that apply to a predictions frame
(all of them but ``auroc`` for every model, ``auroc`` too when a one-class
model left an anomaly score), MLflow logs them as ``{predictor}_{name}``, the
summary table and ``models list`` show those marked ``shown``, and a quality
gate on a metric takes its direction from here unless its configuration names
one (:func:`hawkeye.evaluation.gate.greater_is_better`).

To add a metric, write its function here (it sees a :class:`Scored`) and add
one :class:`Metric` to ``REGISTRY``; nothing else lists metric names.

Continuous scores are kept for MAE and correlations (rounding would hide how
close a prediction was); accuracy, F1 and kappa use the score rounded to the
nearest valid label (``Scored.predicted``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import cohen_kappa_score, f1_score, mean_absolute_error, roc_auc_score

# What a metric applies to: supervised regression, (ordinal) classification, one-class
# (a model that learns correct executions only and ranks the others by an anomaly score).
REGRESSION = "regression"
CLASSIFICATION = "classification"
ONE_CLASS = "one_class"
KINDS = (REGRESSION, CLASSIFICATION, ONE_CLASS)
EVERY_KIND = frozenset(KINDS)

# Not a metric of the predictions but of the run: the share of recordings a (zero-shot)
# scorer answered for. ``evaluate_predictions`` adds it to the model's pooled figures.
COVERAGE = "coverage"


@dataclass(frozen=True)
class Scored:
    """What a metric function sees: one predictor's answers on the answered recordings."""

    y: np.ndarray  # the ratings, float
    score: np.ndarray  # the continuous scores, float
    predicted: np.ndarray  # the score rounded and clipped to a valid label, int
    labels: list[int]  # min_label..max_label
    # One-class frames only: which recordings are not the normal label, and the anomaly
    # score that ranks them (None: a baseline, which predicts one value a fold).
    anomalous: np.ndarray | None = None
    anomaly_score: np.ndarray | None = None


@dataclass(frozen=True)
class Metric:
    name: str
    fn: Callable[[Scored], float]
    greater_is_better: bool
    applies_to: frozenset[str]  # a subset of KINDS
    shown: bool  # a column of the summary table, `models list` and `models compare`
    label: str  # a few words for a person
    headline: bool = False  # one of the few figures a step's metadata and a comparison show
    compared: bool = False  # a column of the model-comparison table (`hawkeye run --model all`)


def _correlation(fn: Any, a: np.ndarray, b: np.ndarray) -> float:
    """NaN (not a crash) for a constant predictor, which has no defined correlation."""
    if np.std(a) == 0 or np.std(b) == 0 or len(a) < 3:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(fn(a, b)[0])


def _mae(s: Scored) -> float:
    return float(mean_absolute_error(s.y, s.score))


def _exact_acc(s: Scored) -> float:
    return float(np.mean(s.predicted == s.y))


def _within1_acc(s: Scored) -> float:
    return float(np.mean(np.abs(s.predicted - s.y) <= 1))


def _pearson(s: Scored) -> float:
    return _correlation(pearsonr, s.y, s.score)


def _spearman(s: Scored) -> float:
    return _correlation(spearmanr, s.y, s.score)


def _macro_f1(s: Scored) -> float:
    return float(
        f1_score(s.y.astype(int), s.predicted, labels=s.labels, average="macro", zero_division=0)
    )


def _qwk(s: Scored) -> float:
    """NaN where ratings and predictions hold one value only (kappa is undefined)."""
    if len(np.unique(np.concatenate([s.y, s.predicted]))) <= 1:
        return float("nan")
    return float(
        cohen_kappa_score(s.y.astype(int), s.predicted, labels=s.labels, weights="quadratic")
    )


def _auroc(s: Scored) -> float:
    """AUROC of the anomaly score for "not the normal label"; NaN where only one kind is present.

    A baseline predicts one value a fold and so ranks nothing: 0.5 by definition. (Pooling
    its per-fold constants would "rank" by fold, an artefact of the split, not a skill.)
    """
    anomalous = s.anomalous if s.anomalous is not None else np.zeros(0, dtype=bool)
    if anomalous.all() or not anomalous.any():
        return float("nan")
    if s.anomaly_score is None:
        return 0.5
    return float(roc_auc_score(anomalous, s.anomaly_score))


_SUPERVISED = EVERY_KIND  # a one-class model's thresholded decision is scored like the others

REGISTRY: tuple[Metric, ...] = (
    Metric(
        "mae",
        _mae,
        greater_is_better=False,
        applies_to=_SUPERVISED,
        shown=True,
        label="mean absolute error",
        headline=True,
        compared=True,
    ),
    Metric(
        "exact_acc",
        _exact_acc,
        greater_is_better=True,
        applies_to=_SUPERVISED,
        shown=True,
        label="exact agreement",
        headline=True,
        compared=True,
    ),
    Metric(
        "within1_acc",
        _within1_acc,
        greater_is_better=True,
        applies_to=_SUPERVISED,
        shown=True,
        label="within one point",
        compared=True,
    ),
    Metric(
        "pearson",
        _pearson,
        greater_is_better=True,
        applies_to=_SUPERVISED,
        shown=True,
        label="Pearson r",
        headline=True,
        compared=True,
    ),
    Metric(
        "spearman",
        _spearman,
        greater_is_better=True,
        applies_to=_SUPERVISED,
        shown=True,
        label="Spearman rho",
    ),
    Metric(
        "macro_f1",
        _macro_f1,
        greater_is_better=True,
        applies_to=_SUPERVISED,
        shown=True,
        label="macro F1",
    ),
    Metric(
        "qwk",
        _qwk,
        greater_is_better=True,
        applies_to=_SUPERVISED,
        shown=True,
        label="quadratic weighted kappa",
        compared=True,
    ),
    Metric(
        "auroc",
        _auroc,
        greater_is_better=True,
        applies_to=frozenset({ONE_CLASS}),
        shown=True,
        label="AUROC of the anomaly score",
    ),
)
BY_NAME: dict[str, Metric] = {m.name: m for m in REGISTRY}


def metric(name: str) -> Metric | None:
    """The declared metric of that name; None for a name the registry does not hold."""
    return BY_NAME.get(name)


def applicable(kind: str) -> tuple[Metric, ...]:
    """The metrics that apply to a model of this kind, in the registry's order."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    return tuple(m for m in REGISTRY if kind in m.applies_to)


def names(
    *, shown: bool | None = None, headline: bool | None = None, compared: bool | None = None
) -> tuple[str, ...]:
    """Metric names in the registry's order, filtered by the flags that are not None."""
    wanted = {"shown": shown, "headline": headline, "compared": compared}
    return tuple(
        m.name
        for m in REGISTRY
        if all(getattr(m, flag) == value for flag, value in wanted.items() if value is not None)
    )


def direction(name: str) -> bool | None:
    """``greater_is_better`` of a declared metric; None for a name the registry does not hold."""
    found = BY_NAME.get(name)
    return None if found is None else found.greater_is_better
