"""Metrics of frame-level (segment) tasks, as the action-segmentation field defines them.

The definitions follow MS-TCN's evaluation (Farha & Gall, CVPR 2019, ``eval.py``
of their code, which took them from Lea et al. 2017):

- **frame accuracy**: correct frames over all frames of all recordings (pooled, in %);
- **macro-F1 over frames**: scikit-learn's macro F1 of the pooled frames over every
  class present in the truth or the predictions, background included (in %);
- **segmental edit score**: per recording, ``(1 - Levenshtein(P, Y) / max(|P|, |Y|)) *
  100`` between the label sequences of the predicted and true segments (runs of equal
  labels, background runs removed), then the mean over recordings;
- **F1@k** (k = 0.10, 0.25, 0.50): each predicted segment, in order, is matched to the
  true segment of the same label with the highest IoU; it is a true positive when
  that IoU >= k and that true segment is not yet matched, else a false positive;
  unmatched true segments are false negatives. Counts are summed over recordings
  and F1 = 2PR / (P + R) * 100.

Background (class ``background``, index 0 by :mod:`hawkeye.segments`) is left out of
edit and F1@k as MS-TCN's ``bg_class`` does, and kept in the frame figures.
Deviations, on purpose: segment ends are exclusive everywhere (MS-TCN's last
segment ends at ``n - 1``, one frame short); an edit score between two empty
segment sequences is 100 (MS-TCN divides by zero) and 0 when only one is empty.

These are not entries of :mod:`hawkeye.evaluation.registry`: its metric functions
see one row a recording (:class:`~hawkeye.evaluation.registry.Scored`), while
these need each recording's frame sequences. :data:`METRICS` declares them the
same way (name, direction, label) for tables and gates; ``f1_10`` is F1@0.10 (MLflow
metric names take no ``@``).

:func:`evaluate_segments` is what the evaluate step reports for ``task: segments``: the
report has the shape of :func:`hawkeye.evaluation.metrics.evaluate_predictions`' (pooled,
per fold, fold mean/std, for the model and the majority-class baseline), read from the
frame predictions of :mod:`hawkeye.evaluation.predictions`, so the gate, MLflow logging
and the registry treat it like any other report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from hawkeye.evaluation.predictions import (
    BASELINE_MAJORITY,
    FOLD,
    FRAME,
    LABEL,
    PREDICTED,
    SAMPLE_ID,
    SUBJECT_ID,
    validate_frame_predictions,
)
from hawkeye.segments import runs

# The predictors of a segment report, and the column holding each one's frame labels.
PREDICTORS = {"model": PREDICTED, BASELINE_MAJORITY: BASELINE_MAJORITY}

OVERLAPS = (0.10, 0.25, 0.50)


@dataclass(frozen=True)
class SegmentMetric:
    name: str
    greater_is_better: bool
    label: str


METRICS: tuple[SegmentMetric, ...] = (
    SegmentMetric("frame_acc", True, "frame accuracy (%)"),
    SegmentMetric("frame_macro_f1", True, "macro F1 over frames (%)"),
    SegmentMetric("edit", True, "segmental edit score"),
    *(SegmentMetric(f"f1_{round(k * 100)}", True, f"segment F1@{k:.2f} (%)") for k in OVERLAPS),
)
NAMES = tuple(m.name for m in METRICS)


def segments_of(frames: Sequence[int] | np.ndarray, background: Sequence[int] = (0,)):
    """``(labels, starts, ends)`` of the runs of ``frames`` that are not background."""
    kept = [(a, b, v) for a, b, v in runs(np.asarray(frames)) if v not in background]
    return [v for _, _, v in kept], [a for a, _, _ in kept], [b for _, b, _ in kept]


def levenshtein(p: Sequence[object], y: Sequence[object]) -> int:
    """Edit distance (insertions, deletions, substitutions, each 1) between two sequences."""
    d = np.zeros((len(p) + 1, len(y) + 1), dtype=np.int64)
    d[:, 0] = np.arange(len(p) + 1)
    d[0, :] = np.arange(len(y) + 1)
    for i in range(1, len(p) + 1):
        for j in range(1, len(y) + 1):
            d[i, j] = min(
                d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (p[i - 1] != y[j - 1])
            )
    return int(d[-1, -1])


def edit_score(
    predicted: Sequence[int] | np.ndarray,
    truth: Sequence[int] | np.ndarray,
    background: Sequence[int] = (0,),
) -> float:
    """Segmental edit score of one recording, 0-100 (see the module doc)."""
    p, _, _ = segments_of(predicted, background)
    y, _, _ = segments_of(truth, background)
    if not p and not y:
        return 100.0
    return (1 - levenshtein(p, y) / max(len(p), len(y))) * 100


def overlap_counts(
    predicted: Sequence[int] | np.ndarray,
    truth: Sequence[int] | np.ndarray,
    overlap: float,
    background: Sequence[int] = (0,),
) -> tuple[int, int, int]:
    """``(tp, fp, fn)`` of one recording at IoU threshold ``overlap`` (MS-TCN's ``f_score``)."""
    p_label, p_start, p_end = segments_of(predicted, background)
    y_label, y_start, y_end = segments_of(truth, background)
    y_start_a, y_end_a, y_label_a = np.array(y_start), np.array(y_end), np.array(y_label)
    hits = np.zeros(len(y_label), dtype=bool)
    tp = fp = 0
    for label, start, end in zip(p_label, p_start, p_end, strict=True):
        if not len(y_label):
            fp += 1
            continue
        intersection = np.minimum(end, y_end_a) - np.maximum(start, y_start_a)
        union = np.maximum(end, y_end_a) - np.minimum(start, y_start_a)
        iou = np.clip(intersection, 0, None) / union * (y_label_a == label)
        best = int(np.argmax(iou))
        if iou[best] >= overlap and not hits[best]:
            tp += 1
            hits[best] = True
        else:
            fp += 1
    return tp, fp, int(len(y_label) - hits.sum())


def f1_from_counts(tp: int, fp: int, fn: int) -> float:
    """F1 in % from pooled counts; 0 when there is no true positive."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 2 * precision * recall / (precision + recall) * 100 if precision + recall else 0.0


def segment_metrics(
    predicted: Sequence[np.ndarray],
    truth: Sequence[np.ndarray],
    background: Sequence[int] = (0,),
    overlaps: Sequence[float] = OVERLAPS,
) -> dict[str, float]:
    """Every metric of :data:`METRICS` over recordings (one per-frame array each, in pairs)."""
    if len(predicted) != len(truth):
        raise ValueError(f"{len(predicted)} predicted recordings for {len(truth)} true ones")
    for p, y in zip(predicted, truth, strict=True):
        if len(p) != len(y):
            raise ValueError(f"a recording has {len(p)} predicted frames for {len(y)} true ones")
    if not truth:
        raise ValueError("no recording to score")
    pooled_p = np.concatenate([np.asarray(p, dtype=np.int64) for p in predicted])
    pooled_y = np.concatenate([np.asarray(y, dtype=np.int64) for y in truth])
    out = {
        "frame_acc": float(np.mean(pooled_p == pooled_y) * 100),
        "frame_macro_f1": float(
            f1_score(pooled_y, pooled_p, average="macro", zero_division=0) * 100
        ),
        "edit": float(
            np.mean([edit_score(p, y, background) for p, y in zip(predicted, truth, strict=True)])
        ),
    }
    for k in overlaps:
        counts = np.sum(
            [overlap_counts(p, y, k, background) for p, y in zip(predicted, truth, strict=True)],
            axis=0,
        )
        out[f"f1_{round(k * 100)}"] = f1_from_counts(*(int(c) for c in counts))
    return out


def direction(name: str) -> bool | None:
    """``greater_is_better`` of a segment metric; None for another name."""
    return next((m.greater_is_better for m in METRICS if m.name == name), None)


def _recordings(frame: pd.DataFrame, column: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(predicted, true) frame arrays, one a recording, frames in order."""
    predicted, truth = [], []
    for _, group in frame.sort_values([SAMPLE_ID, FRAME]).groupby(SAMPLE_ID, sort=True):
        predicted.append(group[column].to_numpy(dtype=np.int64))
        truth.append(group[LABEL].to_numpy(dtype=np.int64))
    return predicted, truth


def evaluate_segments(predictions: pd.DataFrame) -> dict[str, Any]:
    """Pooled, per-fold and fold-mean figures of :data:`METRICS`, model beside the baseline."""
    validate_frame_predictions(predictions)
    report: dict[str, Any] = {
        "task": "segments",
        "metrics": list(NAMES),
        "coverage": 1.0,
        "n_samples": int(predictions[SAMPLE_ID].nunique()),
        "n_frames": len(predictions),
        "n_subjects": int(predictions[SUBJECT_ID].nunique()),
        "n_folds": int(predictions[FOLD].nunique()),
        "pooled": {},
        "folds": {},
        "fold_summary": {},
    }
    for who, column in PREDICTORS.items():
        report["pooled"][who] = segment_metrics(*_recordings(predictions, column))
        per_fold = {
            int(k): segment_metrics(*_recordings(g, column)) for k, g in predictions.groupby(FOLD)
        }
        report["folds"][who] = per_fold
        table = pd.DataFrame(per_fold).T
        report["fold_summary"][who] = {
            m: {"mean": float(table[m].mean()), "std": float(table[m].std(ddof=0))}
            for m in table.columns
        }
    return report
