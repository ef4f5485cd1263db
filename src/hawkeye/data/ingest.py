"""Ingest: read a dataset, validate every row, and return the manifest plus quarantine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hawkeye.config import DatasetConfig
from hawkeye.data import park
from hawkeye.data.errors import DatasetError
from hawkeye.data.fingerprint import prepare
from hawkeye.data.manifest import REQUIRED, check_row, missing_columns
from hawkeye.data.quarantine import Quarantine
from hawkeye.data.videos import video_manifest, video_problem
from hawkeye.paths import portable_path


@dataclass
class IngestResult:
    manifest: pd.DataFrame
    quarantine: pd.DataFrame


def ingest(cfg: DatasetConfig) -> IngestResult:
    path = prepare(cfg)
    if not path.is_file():
        raise DatasetError(
            f"dataset {cfg.name!r}: {path} does not exist. Check `dataset.path` in the run "
            "configuration (a 'shared:' path reads $HAWKEYE_SHARED_DATA or ../shared/data)."
        )
    if cfg.format == "park":
        raw = park_manifest(path)
    elif cfg.kind == "videos":
        try:
            raw = video_manifest(path, cfg)
        except KeyError as exc:
            raise DatasetError(f"dataset {cfg.name!r}: {exc.args[0]}") from exc
    else:
        raw = _read_csv(path, cfg)
    return validate_manifest(raw, cfg, base=path.parent)


def _read_csv(path: Path, cfg: DatasetConfig) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: not a readable CSV ({exc})") from exc
    for col, default in (("task", cfg.task), ("dataset", cfg.name), ("side", "unknown")):
        if col not in frame.columns:
            frame[col] = default
    return frame


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
    features = table[park.feature_names(table)].apply(pd.to_numeric, errors="coerce")
    return pd.concat([meta, features], axis=1)


def validate_manifest(frame: pd.DataFrame, cfg: DatasetConfig, base: Path) -> IngestResult:
    """Row checks; bad rows go to the quarantine with a reason, the rest form the manifest."""
    missing = missing_columns(frame, REQUIRED)
    if missing:
        raise DatasetError(
            f"dataset {cfg.name!r} lacks required column(s) {missing}; present: {list(frame.columns)}"
        )
    quarantine = Quarantine("ingest")
    keep = []
    seen: set[str] = set()
    for idx, row in frame.iterrows():
        reason = check_row(row, cfg.min_label, cfg.max_label, needs_fps=cfg.kind == "landmarks")
        if reason is None and str(row["sample_id"]) in seen:
            reason = "duplicate sample_id"
        if reason is None and cfg.kind == "landmarks" and not (base / str(row["source"])).is_file():
            reason = f"landmark file not found: {row['source']}"
        if reason is None and cfg.kind == "videos":
            reason = video_problem(base / str(row["source"]))
        if reason:
            quarantine.add(row.get("sample_id"), row.get("source"), reason)
            continue
        seen.add(str(row["sample_id"]))
        keep.append(idx)
    quarantine.check_share(len(frame), cfg.max_quarantine_share)
    manifest = frame.loc[keep].reset_index(drop=True)
    manifest["label"] = manifest["label"].astype(int)
    manifest["subject_id"] = manifest["subject_id"].astype(str)
    manifest["sample_id"] = manifest["sample_id"].astype(str)
    if cfg.kind in ("landmarks", "videos"):
        manifest["source"] = [portable_path(base / s) for s in manifest["source"]]
    return IngestResult(manifest, quarantine.frame())
