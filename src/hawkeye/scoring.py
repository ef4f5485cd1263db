"""Scoring new data with a trained model: feature tables, or videos end to end.

A score is only as good as its landmarks, so a video that fails quality
control is refused with the reason instead of being scored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hawkeye.config import DatasetConfig, LandmarkConfig
from hawkeye.errors import HawkeyeError
from hawkeye.evaluation.metrics import nullable_label
from hawkeye.features.extract import TASK_MODEL, extractors, video_jobs, video_sequences
from hawkeye.features.hand_task import hand_task_signs, looks_like_tapping
from hawkeye.landmarks.sequence import LandmarkError
from hawkeye.models.base import is_one_class, one_class_outputs
from hawkeye.trust import assess, conditions_for, interval_note, intervals


class MissingFeatures(HawkeyeError, ValueError):
    """The input lacks feature columns the model was trained on."""

    def __init__(self, missing: Sequence[str], present: int) -> None:
        self.missing = list(missing)
        shown = ", ".join(self.missing[:10]) + (" ..." if len(self.missing) > 10 else "")
        super().__init__(
            f"{len(self.missing)} feature column(s) the model needs are missing "
            f"(the input has {present} columns): {shown}"
        )


def _names(model: Any) -> list[str]:
    return [str(c) for c in model.feature_names_in_]


def score_features(
    model: Any,
    table: pd.DataFrame,
    id_column: str | None = None,
    task: str = "",
    conditions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score every row of a feature table; one row out per row in, in order.

    Each row says whether its input lies inside what the model was trained on
    (``applicability``: inside / flagged / refused / not assessed, with the reasons in
    ``assessment``); a refused row keeps its status and reason but gets no score.
    Regression-mode scores carry ``interval_low``/``interval_high``, classifiers ``p_<label>``.
    """
    names = _names(model)
    missing = [c for c in names if c not in table.columns]
    if missing:
        raise MissingFeatures(missing, table.shape[1])
    X = table[names].apply(pd.to_numeric, errors="coerce")
    out = pd.DataFrame(index=table.index)
    out["sample_id"] = (
        table[id_column] if id_column and id_column in table else table.index.astype(str)
    )
    if is_one_class(model):  # the relative error and the decision, as evaluated
        out["anomaly_score"], score = one_class_outputs(model, X)
    else:
        score = model.predict(X)
    verdicts = assess(
        model, X, conditions if conditions is not None else conditions_for(task, table)
    )
    refused = np.array([v["verdict"] == "refused" for v in verdicts])
    score = np.where(refused, np.nan, np.asarray(score, dtype=float))
    out["score"] = score
    out["predicted"] = nullable_label(score, model.min_label, model.max_label)
    bounds = intervals(model, score)
    if bounds is not None:
        out["interval_low"], out["interval_high"] = bounds[:, 0], bounds[:, 1]
        out.loc[refused, ["interval_low", "interval_high"]] = np.nan
    if getattr(model, "is_classifier", False):
        proba = model.predict_proba(X)
        for label in proba.columns:
            out[f"p_{label}"] = np.where(refused, np.nan, proba[label].to_numpy())
    out["applicability"] = [v["verdict"] for v in verdicts]
    out["applicability_reasons"] = ["; ".join(v["reasons"]) for v in verdicts]
    out["assessment"] = verdicts
    return out.reset_index(drop=True)


def video_dataset(config: dict[str, Any]) -> DatasetConfig:
    """The dataset configuration a registered model carries, validated for scoring video."""
    return DatasetConfig.model_validate(config)


def landmark_settings(dataset: DatasetConfig) -> LandmarkConfig:
    """The extraction the model was trained with, or the task's default model for landmark data."""
    if dataset.kind == "videos":
        return dataset.landmarks
    return dataset.landmarks.model_copy(update={"model": TASK_MODEL.get(dataset.task, "hands")})


def score_videos(
    model: Any,
    dataset: DatasetConfig,
    videos: Sequence[Path],
    side: str | None = None,
    landmarks: LandmarkConfig | None = None,
    progress: bool = True,
    min_measured: float = 0.5,
    sequences: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Landmarks, QC, features and score for every video; refusals keep their reason.

    A model imputes a missing feature with its training median, so a video where most
    features cannot be measured (someone standing still in a gait video) would get the
    median patient's score: such videos are refused below ``min_measured``. ``sequences``,
    when given, receives each recording's landmark sequence by sample id.
    """
    cfg = landmarks or landmark_settings(dataset)
    extract = extractors()[dataset.task]
    rows: list[dict[str, Any]] = []
    jobs = video_jobs(list(videos), side)
    for video, (sid, seq, qc) in zip(videos, video_sequences(jobs, cfg, progress), strict=True):
        row: dict[str, Any] = {"sample_id": sid, "source": str(video), **qc}
        if isinstance(seq, str):
            rows.append(row | {"status": "refused", "reason": seq})
            continue
        row |= {"fps": seq.fps, "duration_s": seq.duration_s, "frame_size": seq.frame_size}
        if sequences is not None:  # the caller draws them (the clinician's report)
            sequences[sid] = seq
        if dataset.task == "finger_tapping":  # is it finger tapping at all?
            signs = hand_task_signs(seq)
            row |= {"task_signs": signs}
            tapping, why = looks_like_tapping(signs)
            if not tapping:
                rows.append(row | {"status": "refused", "reason": why})
                continue
        try:
            features = pd.DataFrame([extract(seq)])
        except LandmarkError as exc:
            rows.append(row | {"status": "refused", "reason": str(exc)})
            continue
        row["features"] = features.iloc[0].to_dict()
        measured = features.reindex(columns=_names(model)).notna().mean(axis=1).iloc[0]
        if measured < min_measured:
            task = dataset.task.replace("_", " ")
            reason = (
                f"only {measured:.0%} of the model's features could be measured (need "
                f"{min_measured:.0%}): does the video show the {task} task, long enough?"
            )
            rows.append(row | {"status": "refused", "reason": reason})
            continue
        conditions = conditions_for(dataset.task, features.assign(fps=seq.fps))
        scored = score_features(model, features, conditions=conditions).iloc[0]
        scored = scored.drop("sample_id").to_dict()
        if scored["applicability"] == "refused":
            reason = "outside what the model was trained on: " + scored["applicability_reasons"]
            rows.append(row | {"status": "refused", "reason": reason} | scored)
            continue
        rows.append(row | {"status": "scored", "reason": ""} | scored)
    return pd.DataFrame(rows)


def video_report(row: dict[str, Any], model: Any, meta: dict[str, Any]) -> dict[str, Any]:
    """The JSON report of one scored (or refused) video, as `hawkeye predict` writes it.

    ``meta`` describes the registered model (name, version, task, training data and its
    out-of-fold figures); the report repeats it so a score never travels without it.
    """
    r = {k: v for k, v in row.items() if not _blank(v)}
    report: dict[str, Any] = {
        "video": r.pop("source"),
        "status": r.pop("status"),
        "model": meta,
        "recording": {
            k: r.get(k) for k in ("fps", "duration_s", "frame_size") if r.get(k) is not None
        },
        "qc": {k: r[k] for k in r if str(k).startswith("qc_")},
    }
    if "task_signs" in r:
        report["task_signs"] = r["task_signs"]
    if report["status"] == "refused":
        report["reason"] = r.get("reason", "")
    else:
        report["score"] = r.get("score")
        report["predicted"] = r.get("predicted")
        if "interval_low" in r:
            report["interval"] = {
                "low": r["interval_low"],
                "high": r["interval_high"],
                "note": interval_note(model),
            }
        report["probabilities"] = {str(k)[2:]: v for k, v in r.items() if str(k).startswith("p_")}
    if "assessment" in r:
        report["applicability"] = r["assessment"]
    if "features" in r:
        report["features"] = {k: v for k, v in r["features"].items() if not _blank(v)}
    return report


def _blank(value: Any) -> bool:
    """NaN / None / NA cells are left out of a report rather than written as NaN."""
    if isinstance(value, (dict, list, tuple, str)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# Columns of a scores table that hold a structure per video (the verdict with its reasons,
# the task signs, the feature row, the frame size), kept as JSON text in a table artifact.
NESTED = ("assessment", "task_signs", "features", "frame_size")


def flat_scores(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its nested cells as JSON text (parquet, MLflow tables, CSV take it)."""
    out = table.copy()
    for col in NESTED:
        if col in out.columns:
            out[col] = [
                v if isinstance(v, str) or _blank(v) else json.dumps(v, default=_plain)
                for v in out[col]
            ]
    return out


def nested_row(row: dict[str, Any]) -> dict[str, Any]:
    """One row of :func:`flat_scores` with its structures back."""
    return {
        k: json.loads(v) if k in NESTED and isinstance(v, str) and v[:1] in "[{" else v
        for k, v in row.items()
    }


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else str(value)


def cached_sequence(dataset: DatasetConfig, video: Path, side: str | None = None) -> Any:
    """The landmarks of a video already scored, read back from the landmark cache (same
    settings, same key: no second extraction); None when there are none."""
    jobs = video_jobs([Path(video)], side)
    ((_, seq, _),) = video_sequences(jobs, landmark_settings(dataset), progress=False)
    return None if isinstance(seq, str) else seq


def segment_recordings(model: Any, config: dict[str, Any], paths: Sequence[Path]) -> list[dict]:
    """A frame-wise model's segments of each recording file (``hawkeye predict`` on skeletons).

    Each file is read as the model's training data was (``config``: the dataset
    configuration registered with it: its format, layout and frame rate). One report a
    file: ``{recording, frames, fps, segments: [{start, end, label, start_s, end_s}]}`` in
    frames (end exclusive) and seconds, or ``status: refused`` with the reason when the file
    cannot be read as such a recording.
    """
    from hawkeye.data import formats

    dataset = DatasetConfig.model_validate(config)
    reports: list[dict[str, Any]] = []
    for path in paths:
        row = {
            "sample_id": path.stem,
            "source": str(path),
            "format": dataset.format,
            "layout": dataset.layout_name(),
            "fps": dataset.fps,
        }
        try:
            seq = formats.load_recording(row)
        except (LandmarkError, HawkeyeError, ValueError, OSError) as exc:
            reason = f"cannot read it as a {dataset.format} recording: {exc}"
            reports.append({"recording": str(path), "status": "refused", "reason": reason})
            continue
        row = {**row, "layout": seq.layout, "fps": seq.fps}
        segments = model.predict_segments(pd.DataFrame([row]), fps=[seq.fps])[0]
        reports.append(
            {
                "recording": str(path),
                "status": "scored",
                "frames": seq.n_frames,
                "fps": seq.fps,
                "segments": segments,
            }
        )
    return reports
