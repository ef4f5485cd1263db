"""Scoring new data with a trained model: feature tables, or videos end to end.

A score is only as good as its landmarks, so a video that fails quality
control is refused with the reason instead of being scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hawkeye.config import DatasetConfig, LandmarkConfig
from hawkeye.features.extract import TASK_MODEL, extractors, video_jobs, video_sequences
from hawkeye.landmarks.sequence import LandmarkError
from hawkeye.metrics import nullable_label


class MissingFeatures(ValueError):
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


def score_features(model: Any, table: pd.DataFrame, id_column: str | None = None) -> pd.DataFrame:
    """Score every row of a feature table; one row out per row in, in order."""
    names = _names(model)
    missing = [c for c in names if c not in table.columns]
    if missing:
        raise MissingFeatures(missing, table.shape[1])
    X = table[names].apply(pd.to_numeric, errors="coerce")
    out = pd.DataFrame(index=table.index)
    out["sample_id"] = (
        table[id_column] if id_column and id_column in table else table.index.astype(str)
    )
    if hasattr(model, "decide"):  # one-class: the decision and relative error, as evaluated
        out["anomaly_score"], score = model.decide(X)
    else:
        score = model.predict(X)
    out["score"] = score
    out["predicted"] = nullable_label(score, model.min_label, model.max_label)
    if getattr(model, "is_classifier", False):
        proba = model.predict_proba(X)
        for label in proba.columns:
            out[f"p_{label}"] = proba[label].to_numpy()
    return out.reset_index(drop=True)


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
) -> pd.DataFrame:
    """Landmarks, QC, features and score for every video; refusals keep their reason.

    A model imputes a missing feature with its training median, so a video where most
    features cannot be measured (someone standing still in a gait video) would get the
    median patient's score: such videos are refused below ``min_measured``.
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
        try:
            features = pd.DataFrame([extract(seq)])
        except LandmarkError as exc:
            rows.append(row | {"status": "refused", "reason": str(exc)})
            continue
        measured = features.reindex(columns=_names(model)).notna().mean(axis=1).iloc[0]
        if measured < min_measured:
            task = dataset.task.replace("_", " ")
            reason = (
                f"only {measured:.0%} of the model's features could be measured (need "
                f"{min_measured:.0%}): does the video show the {task} task, long enough?"
            )
            rows.append(row | {"status": "refused", "reason": reason})
            continue
        scored = score_features(model, features).iloc[0].drop("sample_id").to_dict()
        rows.append(row | {"status": "scored", "reason": ""} | scored)
    return pd.DataFrame(rows)
