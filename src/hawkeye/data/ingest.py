"""Ingest: read a dataset, validate every row, and return the manifest plus quarantine.

Formats: ``hawkeye`` (annotation CSV naming ``.npy``/``.npz`` files), ``park``
(the PARK feature table), videos (``kind: videos``), the public skeleton
formats of :mod:`hawkeye.data.formats` (``keraal``, ``uiprmd``,
``msr_action3d``, ``natops``) and the generic ones read as the run configuration
declares (``skeleton_table``, ``skeleton_ts``). Validation is the pandera schema of
:mod:`hawkeye.data.manifest`; bad rows and files the readers refuse go to the
quarantine with a reason, and the run fails only past
``dataset.max_quarantine_share``.

Every landmark source is checked here, not first at the landmark step: its type (a
CSV given to the ``hawkeye`` array format says to set ``format: skeleton_table``), and,
for the generic formats and for ``hawkeye`` arrays under a declared ``dataset.layout`` or
``dataset.skeleton``, the recording itself (readable, shape, joint count against the
layout, frame rate, ``skeleton.min_frames``, ``skeleton.max_nan_share``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hawkeye.config import DatasetConfig, HoldoutConfig
from hawkeye.data import formats, park
from hawkeye.data.errors import DatasetError
from hawkeye.data.fingerprint import prepare
from hawkeye.data.manifest import (
    REQUIRED,
    SchemaMismatch,
    conflicting_sources,
    duplicate_failures,
    schema_failures,
)
from hawkeye.data.quarantine import Quarantine
from hawkeye.data.readers import generic
from hawkeye.data.tables import read_table
from hawkeye.data.videos import video_manifest, video_problem
from hawkeye.features.table import PASSTHROUGH
from hawkeye.landmarks.sequence import LandmarkError
from hawkeye.paths import portable_path, resolve_data_path

log = logging.getLogger("hawkeye.ingest")


@dataclass
class IngestResult:
    manifest: pd.DataFrame
    quarantine: pd.DataFrame


def ingest(cfg: DatasetConfig) -> IngestResult:
    if cfg.format in formats.FORMATS:
        return ingest_skeletons(cfg)
    path = prepare(cfg)
    if not path.is_file():
        raise DatasetError(
            f"dataset {cfg.name!r}: {path} does not exist. Check `dataset.path` in the run "
            "configuration (a 'shared:' path reads $HAWKEYE_SHARED_DATA or ../shared/data)."
        )
    quarantine = Quarantine("ingest")
    if cfg.format == "park":
        raw = _park_checks(park_manifest(path), cfg, quarantine)
    elif cfg.kind == "videos":
        try:
            raw = video_manifest(path, cfg)
        except KeyError as exc:
            raise DatasetError(f"dataset {cfg.name!r}: {exc.args[0]}") from exc
    else:
        raw = _read_csv(path, cfg)
    if cfg.feature_columns is not None:
        raw = _only_features(raw, cfg)
    result = validate_manifest(raw, cfg, base=path.parent, quarantine=quarantine)
    holdouts = cfg.holdout if isinstance(cfg.holdout, list) else [cfg.holdout]
    for holdout in filter(None, holdouts):
        result.manifest = held_out(result.manifest, holdout)
    return result


def _only_features(frame: pd.DataFrame, cfg: DatasetConfig) -> pd.DataFrame:
    """The manifest columns and the configured feature columns, nothing else."""
    wanted = list(cfg.feature_columns or [])
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise DatasetError(
            f"dataset {cfg.name!r}: {len(missing)} of the configured feature_columns are not "
            f"in the table: {missing[:10]}"
        )
    keep = [c for c in frame.columns if c in REQUIRED or c in PASSTHROUGH]
    return frame[keep + wanted]


def held_out(manifest: pd.DataFrame, cfg: HoldoutConfig) -> pd.DataFrame:
    """The rows of the subjects ``cfg.keep`` asks for (see :class:`HoldoutConfig`)."""

    def bucket(subject: str) -> float:
        digest = hashlib.sha256(f"{cfg.seed}:{subject}".encode()).hexdigest()
        return int(digest[:12], 16) / 16**12

    out = manifest["subject_id"].astype(str).map(bucket) < cfg.share
    mask = out if cfg.keep == "holdout" else ~out
    return manifest[mask.to_numpy()].reset_index(drop=True)


def _read_csv(path: Path, cfg: DatasetConfig) -> pd.DataFrame:
    frame = read_table(path)
    if cfg.kind == "landmarks" and cfg.columns:
        frame = frame.rename(columns=cfg.columns)
    for col, default in (("task", cfg.task), ("dataset", cfg.name), ("side", "unknown")):
        if col not in frame.columns:
            frame[col] = default
    if cfg.kind == "landmarks":  # the declared layout and frame rate, where a row has none
        for col, default in (("layout", cfg.layout_name()), ("fps", cfg.fps)):
            if default is None:
                continue
            if col not in frame.columns:
                frame[col] = default
            else:
                frame[col] = frame[col].where(frame[col].notna(), default)
    return frame


def _declared(cfg: DatasetConfig) -> bool:
    """The run configuration declares the skeleton (a layout or checks): ingest reads and
    checks every array then; otherwise the landmark step does, as before."""
    return cfg.layout is not None or cfg.skeleton is not None


def landmark_problem(path: Path, row: pd.Series, cfg: DatasetConfig) -> str | None:
    """Why the ``.npy``/``.npz`` file of one annotation row cannot be used, or None.

    Always: the file's type (a table or ``.ts`` file names the format that reads it). With
    a declared skeleton (:func:`_declared`) also the recording itself, at ingest: readable,
    shape and joint count against the layout, frame rate, ``skeleton.min_frames`` and
    ``skeleton.max_nan_share``.
    """
    problem = generic.wrong_type(path, "hawkeye")
    if problem or not _declared(cfg):
        return problem
    try:
        seq = formats.load_recording({**row.to_dict(), "source": str(path)}, "hawkeye")
        generic.check(seq, path, cfg)
    except LandmarkError as exc:
        return str(exc)
    return None


def park_manifest(path: Path) -> pd.DataFrame:
    """The PARK table as a manifest whose extra columns are its features."""
    table = park.read_table(path)
    if "filename" not in table.columns or "Rating" not in table.columns:
        raise DatasetError(f"{path}: a PARK table needs 'filename' and 'Rating' columns")
    subjects = []
    for name in table["filename"]:
        try:
            subjects.append(park.participant_id(name))
        except ValueError:
            subjects.append(None)  # quarantined below as 'missing subject_id'
    meta = pd.DataFrame(
        {
            "sample_id": table["filename"].astype(str).str.replace(r"\.\w+$", "", regex=True),
            "subject_id": subjects,
            "task": "finger_tapping",
            "side": table.get("hand", pd.Series("unknown", index=table.index)).astype(str),
            "label": table["Rating"],
            "source": str(path),
            "fps": float("nan"),
            "dataset": "park_finger_tapping",
            "group_authors": table["filename"].map(park.authors_group),
        }
    )
    raw = table[park.feature_names(table)]
    features = raw.apply(pd.to_numeric, errors="coerce")
    # Cells that held something but not a number (e.g. 'abc') are counted, not silently NaN.
    text = raw.astype(str).apply(lambda col: col.str.strip())
    bad = features.isna() & raw.notna() & (text != "")
    meta["_non_numeric"] = [
        ", ".join(f"{c}={raw.at[i, c]!r}" for c in raw.columns[bad.loc[i]][:3])
        + (f" and {int(bad.loc[i].sum()) - 3} more" if bad.loc[i].sum() > 3 else "")
        if bad.loc[i].any()
        else ""
        for i in raw.index
    ]
    meta["_missing_share"] = features.isna().mean(axis=1).to_numpy()
    return pd.concat([meta, features], axis=1)


def _park_checks(raw: pd.DataFrame, cfg: DatasetConfig, quarantine: Quarantine) -> pd.DataFrame:
    """PARK's columns all there (unless a subset is configured), rows with unreadable or
    mostly missing feature cells quarantined with what was wrong."""
    if cfg.feature_columns is None:
        missing = [c for c in park.FEATURE_COLUMNS if c not in raw.columns]
        if missing:
            raise DatasetError(
                f"dataset {cfg.name!r}: the PARK table lacks {len(missing)} of PARK's "
                f"{len(park.FEATURE_COLUMNS)} feature columns ({', '.join(missing[:5])}); to "
                "train on the columns it has, list them in dataset.feature_columns"
            )
    keep, odd = [], []
    for i, row in raw.iterrows():
        reasons = []
        if row["_non_numeric"]:
            reasons.append(f"feature cells that are not numbers: {row['_non_numeric']}")
        if row["_missing_share"] > cfg.max_missing_feature_share:
            reasons.append(
                f"{row['_missing_share']:.0%} of the feature cells are empty or not numbers "
                f"(max_missing_feature_share {cfg.max_missing_feature_share:.0%})"
            )
        if row["_missing_share"] > cfg.max_missing_feature_share:
            quarantine.add(row["sample_id"], row["source"], "; ".join(reasons))
            continue
        if reasons:  # a few unreadable cells: imputed like missing ones, and said so
            odd.append(f"{row['sample_id']} ({row['_non_numeric']})")
        keep.append(i)
    if odd:
        log.warning(
            "%d row(s) of %s hold feature cells that are not numbers, read as missing: %s",
            len(odd),
            cfg.name,
            "; ".join(odd[:5]) + (" ..." if len(odd) > 5 else ""),
        )
    return raw.loc[keep].drop(columns=["_non_numeric", "_missing_share"])


def ingest_skeletons(cfg: DatasetConfig) -> IngestResult:
    """A public skeleton dataset (a registered ``dataset.format``: keraal, uiprmd, ...)."""
    path = resolve_data_path(cfg.path)
    quarantine = Quarantine("ingest")
    try:
        rows = formats.manifest_rows(cfg.format, path, quarantine, cfg)
    except DatasetError as exc:
        raise DatasetError(
            f"dataset {cfg.name!r} (format {cfg.format}): {exc}. Check `dataset.path` (a "
            "'shared:' path reads $HAWKEYE_SHARED_DATA or ../shared/data)."
        ) from exc
    frame = pd.DataFrame(rows)
    if frame.empty:  # every file refused: the share check below says why
        quarantine.check_share(len(quarantine), cfg.max_quarantine_share)
    result = validate_manifest(frame, cfg, base=Path.cwd(), quarantine=quarantine)
    result.manifest["source"] = [formats.source_reference(s) for s in result.manifest["source"]]
    result.manifest["format"] = cfg.format  # how sequence models re-read each recording
    return result


def validate_manifest(
    frame: pd.DataFrame,
    cfg: DatasetConfig,
    base: Path,
    quarantine: Quarantine | None = None,
) -> IngestResult:
    """Check every row; bad rows go to the quarantine with a reason, the rest form the manifest.

    Order: the manifest schema (pandera, every row rule at once), then the
    files a row names, then duplicate sample ids among the rows still good.
    ``quarantine`` may already hold files a reader refused; they count in the
    quarantined share.
    """
    quarantine = quarantine if quarantine is not None else Quarantine("ingest")
    refused = len(quarantine)
    frame = frame.reset_index(drop=True)
    try:
        failures = schema_failures(
            frame, cfg.min_label, cfg.max_label, needs_fps=cfg.kind == "landmarks"
        )
    except SchemaMismatch as exc:
        raise DatasetError(f"dataset {cfg.name!r} {exc}; present: {list(frame.columns)}") from exc
    for idx in frame.index.difference(list(failures)):
        source = frame.at[idx, "source"]
        problem = None
        if cfg.kind == "landmarks" and not (base / str(source)).is_file():
            problem = f"landmark file not found: {source}"
        elif cfg.kind == "landmarks" and cfg.format == "hawkeye":
            problem = landmark_problem(base / str(source), frame.loc[idx], cfg)
        elif cfg.kind == "videos":
            problem = video_problem(base / str(source))
        if problem:
            failures[idx] = problem
    if cfg.kind == "videos" or (cfg.kind == "landmarks" and cfg.format == "hawkeye"):
        # one file a recording: the same file under two subjects or labels is a conflict
        failures |= conflicting_sources(frame.drop(index=list(failures)))
    failures |= duplicate_failures(frame.drop(index=list(failures)))
    for idx in sorted(failures):
        quarantine.add(frame.at[idx, "sample_id"], frame.at[idx, "source"], failures[idx])
    quarantine.check_share(len(frame) + refused, cfg.max_quarantine_share)
    manifest = frame.drop(index=list(failures)).reset_index(drop=True)
    manifest["label"] = pd.to_numeric(manifest["label"]).astype(int)
    manifest["subject_id"] = manifest["subject_id"].astype(str)
    manifest["sample_id"] = manifest["sample_id"].astype(str)
    if cfg.kind in ("landmarks", "videos"):
        manifest["source"] = [portable_path(base / s) for s in manifest["source"]]
    _one_layout(manifest, cfg)
    return IngestResult(manifest, quarantine.frame())


def _one_layout(manifest: pd.DataFrame, cfg: DatasetConfig) -> None:
    """Features of different joint layouts share no column: one model needs one layout."""
    if "layout" not in manifest.columns:
        return
    layouts = manifest["layout"].dropna().astype(str).value_counts()
    if len(layouts) > 1:
        raise DatasetError(
            f"dataset {cfg.name!r} mixes joint layouts {dict(layouts)}: one model needs one. "
            "Narrow `dataset.path` to one modality (e.g. a glob such as "
            "data/raw/keraal/**/G*-Kinect-CTK-*.txt)."
        )
