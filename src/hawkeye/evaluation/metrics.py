"""Every figure ``evaluate`` reports, always with the baselines on the same folds.

The metrics themselves are declared once, in :mod:`hawkeye.evaluation.registry`;
the frame they are computed from follows :mod:`hawkeye.evaluation.predictions`.
Continuous scores are kept for MAE and correlations (rounding would hide how
close a prediction was); accuracy, F1 and the confusion matrix use the score
rounded to the nearest valid label.
"""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

from hawkeye.evaluation.predictions import (
    ANOMALY_SCORE,
    FOLD,
    GROUP,
    LABEL,
    NORMAL_LABEL,
    PREDICTORS,
    SCORE,
    SUBJECT_ID,
    validate_predictions,
)
from hawkeye.evaluation.registry import COVERAGE, ONE_CLASS, REGRESSION, Scored, applicable
from hawkeye.evaluation.registry import names as metric_names

# The metrics every model gets (a one-class model adds those of ONE_CLASS only, auroc).
SCORE_METRICS = applicable(REGRESSION)
ONE_CLASS_METRICS = tuple(m for m in applicable(ONE_CLASS) if m not in SCORE_METRICS)
METRICS = tuple(m.name for m in SCORE_METRICS)


def to_label(score: np.ndarray, min_label: int, max_label: int) -> np.ndarray:
    return np.clip(np.rint(score), min_label, max_label).astype(int)


def nullable_label(score: np.ndarray, min_label: int, max_label: int) -> pd.arrays.IntegerArray:
    """``to_label``, with NA where the score is not finite (no answer, or no decision)."""
    score = np.asarray(score, dtype=float)
    label = pd.array(to_label(np.nan_to_num(score), min_label, max_label), dtype="Int64")
    label[~np.isfinite(score)] = pd.NA
    return label


def _empty_metrics() -> dict[str, float]:
    return dict.fromkeys(METRICS, float("nan"))


def _scored(y: Any, score: Any, min_label: int, max_label: int, **one_class: Any) -> Scored:
    y = np.asarray(y, dtype=float)
    score = np.asarray(score, dtype=float)
    labels = list(range(min_label, max_label + 1))
    return Scored(y, score, to_label(score, min_label, max_label), labels, **one_class)


def score_metrics(
    y: np.ndarray, score: np.ndarray, min_label: int = 0, max_label: int = 4
) -> dict[str, float]:
    if len(y) == 0:  # a zero-shot scorer that answered for none of these recordings
        return _empty_metrics()
    scored = _scored(y, score, min_label, max_label)
    return {m.name: m.fn(scored) for m in SCORE_METRICS}


def _metrics(frame: pd.DataFrame, who: str, min_label: int, max_label: int) -> dict[str, float]:
    """``score_metrics``, plus ``auroc`` when a one-class model left an ``anomaly_score``."""
    col = PREDICTORS[who]
    out = score_metrics(frame[LABEL].to_numpy(), frame[col].to_numpy(), min_label, max_label)
    if ANOMALY_SCORE in frame.columns:
        # A baseline predicts one value a fold and ranks nothing: it gets no anomaly score.
        scored = _scored(
            frame[LABEL].to_numpy(),
            frame[col].to_numpy(),
            min_label,
            max_label,
            anomalous=frame[LABEL].to_numpy() != frame[NORMAL_LABEL].to_numpy(),
            anomaly_score=frame[ANOMALY_SCORE].to_numpy(dtype=float) if who == "model" else None,
        )
        out |= {m.name: m.fn(scored) for m in ONE_CLASS_METRICS}
    return out


def evaluate_run(
    predictions: pd.DataFrame,
    folds: pd.DataFrame,
    min_label: int = 0,
    max_label: int = 4,
    task: str | None = None,
) -> dict[str, Any]:
    """:func:`evaluate_predictions` (``task: segments``: the frame predictions'
    :func:`~hawkeye.evaluation.segments.evaluate_segments`) plus the hash of the split they
    came from: the report the evaluate step logs and ``hawkeye stage evaluate`` writes."""
    from hawkeye.evaluation.segments import evaluate_segments
    from hawkeye.segments import SEGMENTS_TASK
    from hawkeye.splits import split_hash

    if task == SEGMENTS_TASK:
        report = evaluate_segments(predictions)
    else:
        report = evaluate_predictions(predictions, min_label, max_label)
    report["split_hash"] = split_hash(folds)
    return report


def evaluate_predictions(
    predictions: pd.DataFrame, min_label: int = 0, max_label: int = 4
) -> dict[str, Any]:
    """Pooled out-of-fold metrics, per-fold metrics and their mean/std, for model and baselines.

    A zero-shot scorer may give no usable answer for some videos (NaN score).
    Those rows count against ``coverage`` and every predictor, baselines
    included, is scored on the rest, so the comparison stays like for like.
    """
    validate_predictions(predictions)
    answered = np.isfinite(predictions[SCORE].to_numpy(dtype=float))
    coverage = float(answered.mean()) if len(predictions) else 0.0
    predictions = predictions[answered]
    report: dict[str, Any] = {
        "coverage": coverage,
        "n_unscored": int((~answered).sum()),
        "n_samples": len(predictions),
        "n_subjects": predictions[SUBJECT_ID].nunique(),
        "n_folds": predictions[FOLD].nunique(),
        "pooled": {},
        "folds": {},
        "fold_summary": {},
    }
    for who in PREDICTORS:
        report["pooled"][who] = _metrics(predictions, who, min_label, max_label)
        per_fold = {
            int(k): _metrics(g, who, min_label, max_label) for k, g in predictions.groupby(FOLD)
        }
        report["folds"][who] = per_fold
        frame = pd.DataFrame(per_fold).T
        report["fold_summary"][who] = {
            m: {"mean": float(frame[m].mean()), "std": float(frame[m].std(ddof=0))}
            for m in frame.columns
        }
    report["pooled"]["model"][COVERAGE] = coverage
    if GROUP in predictions.columns:  # one model a group: the pooled figures of each group
        report["groups"] = {
            str(g): {who: _metrics(rows, who, min_label, max_label) for who in PREDICTORS}
            for g, rows in predictions.groupby(GROUP)
        }
    return report


def flat_metrics(report: dict[str, Any], folds: bool = True) -> dict[str, float]:
    """One naming scheme: ``{predictor}_{metric}``, ``..._fold_mean/std``, ``fold{k}_...``.

    ``folds=False`` leaves out the per-fold ``fold{k}_...`` entries: a run's top level shows
    the pooled figures beside the baselines, the folds live in its child runs.
    """
    flat: dict[str, float] = {}
    # The model first, then the baselines: the order MLflow lists them in.
    for who in sorted(report["pooled"], key=lambda w: w != "model"):
        metrics = report["pooled"][who]
        flat |= {f"{who}_{m}": v for m, v in metrics.items()}
        for m, s in report["fold_summary"][who].items():
            flat[f"{who}_{m}_fold_mean"] = s["mean"]
            flat[f"{who}_{m}_fold_std"] = s["std"]
        if folds:
            for k, metrics_k in report["folds"][who].items():
                flat |= {f"fold{k}_{who}_{m}": v for m, v in metrics_k.items()}
        for g, by_who in report.get("groups", {}).items():
            flat |= {f"group_{g}_{who}_{m}": v for m, v in by_who[who].items()}
    return {k: v for k, v in flat.items() if np.isfinite(v)}


def confusion_figure(
    y: np.ndarray, score: np.ndarray, min_label: int = 0, max_label: int = 4, title: str = ""
) -> plt.Figure:
    labels = list(range(min_label, max_label + 1))
    cm = confusion_matrix(np.asarray(y, int), to_label(score, min_label, max_label), labels=labels)
    fig, ax = plt.subplots(figsize=(4.8, 4.2), dpi=120)
    ConfusionMatrixDisplay(cm, display_labels=labels).plot(ax=ax, cmap="Blues", colorbar=False)
    ax.set_xlabel("predicted score")
    ax.set_ylabel("rated score")
    ax.set_title(title or "out-of-fold confusion")
    fig.tight_layout()
    return fig


def predicted_vs_rated_figure(
    y: np.ndarray, score: np.ndarray, min_label: int = 0, max_label: int = 4
) -> plt.Figure:
    """Each recording's out-of-fold score against its rating (jittered), with the diagonal."""
    y, score = np.asarray(y, float), np.asarray(score, float)
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(y))
    fig, ax = plt.subplots(figsize=(4.8, 4.2), dpi=120)
    ax.scatter(y + jitter, score, s=12, alpha=0.6)
    ax.plot([min_label, max_label], [min_label, max_label], color="grey", lw=1, ls="--")
    for label in range(min_label, max_label + 1):
        at = score[y == label]
        if at.size:
            ax.hlines(np.median(at), label - 0.3, label + 0.3, color="crimson", lw=2)
    ax.set_xlabel("rated score (jittered)")
    ax.set_ylabel("out-of-fold predicted score")
    ax.set_title("predicted vs rated (red: median per rating)")
    fig.tight_layout()
    return fig


def subject_error_figure(table: pd.DataFrame, top: int = 30) -> plt.Figure:
    """Mean absolute error per subject, worst first (``per_subject_errors`` output)."""
    shown = table.head(top)
    fig, ax = plt.subplots(figsize=(6.4, 0.18 * len(shown) + 1.2), dpi=120)
    ax.barh(shown["subject_id"].astype(str)[::-1], shown["mae"][::-1])
    ax.set_xlabel("mean absolute error")
    ax.set_title(f"error per subject (worst {len(shown)} of {len(table)})")
    fig.tight_layout()
    return fig


def epochs_figure(history: list[dict[str, float]]) -> plt.Figure:
    """Training and validation loss per epoch (a sequence net's ``fit_info_["history"]``)."""
    frame = pd.DataFrame(history)
    fig, ax = plt.subplots(figsize=(5.6, 3.6), dpi=120)
    for key, label in (("train_loss", "training"), ("val_loss", "held-out subjects")):
        if key in frame:
            ax.plot(frame["epoch"] + 1, frame[key], marker=".", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("loss per epoch (final fit)")
    ax.legend()
    fig.tight_layout()
    return fig


def importance_figure(names: list[str], importance: np.ndarray, top: int = 20) -> plt.Figure:
    """The model's own feature importances, largest first."""
    order = np.argsort(importance)[::-1][:top]
    fig, ax = plt.subplots(figsize=(6.4, 0.25 * len(order) + 1.2), dpi=120)
    ax.barh([names[i] for i in order][::-1], importance[order][::-1])
    ax.set_xlabel("importance")
    ax.set_title(f"feature importance (top {len(order)} of {len(names)})")
    fig.tight_layout()
    return fig


def per_subject_errors(predictions: pd.DataFrame) -> pd.DataFrame:
    """Error per subject, worst first: a model failing a few people hides in a pooled MAE."""
    frame = predictions.assign(abs_error=(predictions[SCORE] - predictions[LABEL]).abs())
    table = frame.groupby(SUBJECT_ID).agg(
        recordings=(LABEL, "size"),
        mean_label=(LABEL, "mean"),
        mae=("abs_error", "mean"),
        fold=(FOLD, "first"),
    )
    return table.sort_values("mae", ascending=False).reset_index()


def summary_table(report: dict[str, Any]) -> str:
    """Markdown table of pooled metrics, model beside baselines, for logs and READMEs.

    A report that lists its own ``metrics`` (a segment task's) shows those."""
    shown = report.get("metrics") or metric_names(shown=True)
    names = [m for m in shown if m in report["pooled"]["model"]]
    rows = ["| predictor | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for who, metrics in report["pooled"].items():
        rows.append(f"| {who} | " + " | ".join(f"{metrics[m]:.3f}" for m in names) + " |")
    return "\n".join(rows)
