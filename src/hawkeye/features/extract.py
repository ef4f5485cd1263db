"""The landmark stage: manifest in, one feature row a recording out, failures quarantined.

Landmark datasets are read from their files (``.npy``/``.npz``, or a public
skeleton format through its reader); video datasets go through MediaPipe
(cached, parallel, quality-checked); feature tables pass through. The table
is then checked against the feature schema (:mod:`hawkeye.features.schema`):
a row no model can use is quarantined with the reason.

Feature sets (``dataset.task``): ``finger_tapping`` (PARK's own definitions,
:mod:`hawkeye.features.park`), ``gait``, and
``motion``, the generic summary of any skeleton for tasks without a clinical
set (:mod:`hawkeye.features.motion_summary`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from hawkeye.config import DatasetConfig, LandmarkConfig
from hawkeye.data import formats
from hawkeye.data.quarantine import Quarantine
from hawkeye.data.videos import unique_ids
from hawkeye.features import table
from hawkeye.features.schema import feature_failures
from hawkeye.landmarks.batch import Fanout, VideoJob, extract_batch
from hawkeye.landmarks.mediapipe_extractor import Extraction
from hawkeye.landmarks.qc import rejection
from hawkeye.landmarks.sequence import LandmarkError, LandmarkSequence
from hawkeye.paths import resolve_data_path

Extractor = Callable[[LandmarkSequence], dict[str, float]]
# Which MediaPipe model a task's features need.
TASK_MODEL = {"finger_tapping": "hands", "gait": "pose"}


def extractors() -> dict[str, Extractor]:
    from hawkeye.features.gait import gait_features
    from hawkeye.features.motion_summary import motion_features
    from hawkeye.features.park import park_features

    # segments: the frame-wise models read the landmark files themselves; the motion summary
    # a recording is what QC and the split's leak check see of it.
    return {
        "finger_tapping": park_features,
        "gait": gait_features,
        "motion": motion_features,
        "segments": motion_features,
    }


@dataclass
class FeatureResult:
    features: pd.DataFrame
    quarantine: pd.DataFrame


def _from_files(
    manifest: pd.DataFrame, fmt: str = "hawkeye"
) -> Iterator[tuple[int, LandmarkSequence | str, dict[str, float]]]:
    for i, rec in tqdm(manifest.iterrows(), total=len(manifest), desc="landmarks", unit="rec"):
        try:
            yield i, formats.load_recording(rec, fmt), {}
        except LandmarkError as exc:
            yield i, str(exc), {}


def sequence_of(ex: Extraction) -> LandmarkSequence:
    """The landmark contract of one extraction, with its frame size and measured duration."""
    return LandmarkSequence(
        ex.points, ex.presence, ex.layout, ex.fps, ex.width, ex.height, ex.duration
    )


def video_sequences(
    jobs: list[VideoJob],
    cfg: LandmarkConfig,
    progress: bool = True,
    fanout: Fanout | None = None,
) -> Iterator[tuple[str, LandmarkSequence | str, dict[str, float]]]:
    """Per job, in order: its landmark sequence (or why there is none) and its QC figures.

    Extraction errors and videos that fail quality control come back as reason strings,
    so training quarantines them and `predict` refuses them with the same words.
    ``fanout`` extracts the uncached videos instead of the process pool (a SLURM array).
    """
    batch = extract_batch(jobs, cfg, progress=progress, fanout=fanout)
    for job in jobs:
        sid = job.sample_id
        if sid in batch.errors:
            yield sid, batch.errors[sid], {}
            continue
        ex, qc = batch.extractions[sid], batch.qc[sid]
        reason = rejection(qc, cfg)
        if reason:
            yield sid, f"quality control: {reason}", qc
            continue
        try:
            yield sid, sequence_of(ex), qc
        except LandmarkError as exc:
            yield sid, str(exc), qc


def _from_videos(
    manifest: pd.DataFrame, cfg: DatasetConfig, fanout: Fanout | None = None
) -> Iterator[tuple[int, LandmarkSequence | str, dict[str, float]]]:
    jobs = [
        VideoJob(str(r["sample_id"]), resolve_data_path(r["source"]), r.get("side"))
        for _, r in manifest.iterrows()
    ]
    sequences = video_sequences(jobs, cfg.landmarks, fanout=fanout)
    for i, (_, seq, qc) in zip(manifest.index, sequences, strict=True):
        yield i, seq, qc


def build_features(
    manifest: pd.DataFrame,
    cfg: DatasetConfig,
    landmarks: bool = True,
    fanout: Fanout | None = None,
) -> FeatureResult:
    """Features for every recording; a feature-table dataset passes through unchanged.

    ``landmarks=False`` (a zero-shot video scorer, which reads the frames itself)
    skips extraction and passes the recordings' identities through. ``fanout``: where
    uncached videos are landmarked (default: the process pool here).
    """
    if not landmarks:
        return FeatureResult(table.identity(manifest), Quarantine("landmark").frame())
    if cfg.kind == "feature_table":
        features = manifest.drop(columns=["source", "fps"]).reset_index(drop=True)
        return _checked(features, Quarantine("landmark"), len(manifest), cfg)
    known = extractors()
    if cfg.task not in known:
        raise ValueError(f"no feature extractor for task {cfg.task!r}; known: {sorted(known)}")
    needed = TASK_MODEL.get(cfg.task)  # the motion set takes either model
    if cfg.kind == "videos" and needed is not None and cfg.landmarks.model != needed:
        raise ValueError(
            f"task {cfg.task} needs landmarks.model: {TASK_MODEL[cfg.task]} "
            f"(the config says {cfg.landmarks.model})"
        )
    extract = known[cfg.task]
    quarantine = Quarantine("landmark")
    rows, kept = [], []
    source = (
        _from_videos(manifest, cfg, fanout)
        if cfg.kind == "videos"
        else _from_files(manifest, cfg.format)
    )
    for i, seq, qc in source:
        rec = manifest.loc[i]
        if isinstance(seq, str):
            quarantine.add(rec["sample_id"], rec["source"], seq)
            continue
        try:
            rows.append({**qc, **extract(seq)})
        except LandmarkError as exc:  # e.g. a hand sequence given to the gait features
            quarantine.add(rec["sample_id"], rec["source"], str(exc))
            continue
        kept.append(i)
    ids = table.identity(manifest.loc[kept])
    return _checked(pd.concat([ids, pd.DataFrame(rows)], axis=1), quarantine, len(manifest), cfg)


def _checked(
    features: pd.DataFrame, quarantine: Quarantine, total: int, cfg: DatasetConfig
) -> FeatureResult:
    """Quarantine the rows that break the feature schema; fail past the threshold."""
    failures = feature_failures(features, cfg.min_label, cfg.max_label)
    for index, reason in failures.items():
        quarantine.add(features.at[index, "sample_id"], "(feature table)", reason)
    quarantine.check_share(total, cfg.max_quarantine_share)
    kept = features.drop(index=list(failures)).reset_index(drop=True)
    return FeatureResult(kept, quarantine.frame())


def video_jobs(paths: list[Path], side: str | None = None) -> list[VideoJob]:
    """Jobs for loose video files (CLI use): the id is the file stem, or the file name where
    two stems collide (``trunc.mp4`` and ``trunc.avi``)."""
    ids = unique_ids([str(p) for p in paths])
    return [VideoJob(i, p, side) for i, p in zip(ids, paths, strict=True)]
