"""Video datasets: a folder of videos plus an annotation CSV whose columns the config maps.

Labs name their columns differently (PD4T-style sheets say ``video``,
``patient``, ``score``...), so ``dataset.columns`` maps them onto the
manifest contract instead of asking anyone to rewrite their spreadsheet.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hawkeye.config import DatasetConfig
from hawkeye.data.tables import read_table

VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}


def video_manifest(path: Path, cfg: DatasetConfig) -> pd.DataFrame:
    """The annotation CSV renamed to manifest columns, defaults filled in."""
    frame = read_table(path)
    missing = [c for c in cfg.columns if c not in frame.columns]
    if missing:
        raise KeyError(
            f"dataset.columns names {missing}, which {path.name} lacks; "
            f"it has {list(frame.columns)}"
        )
    frame = frame.rename(columns=cfg.columns)
    if "sample_id" not in frame.columns and "source" in frame.columns:
        frame["sample_id"] = unique_ids(frame["source"].astype(str).tolist())
    for col, default in (
        ("task", cfg.task),
        ("dataset", cfg.name),
        ("side", "unknown"),
        ("fps", float("nan")),
    ):
        if col not in frame.columns:
            frame[col] = default
    frame["layout"] = {"hands": "mediapipe_hand_21", "pose": "mediapipe_pose_33"}[
        cfg.landmarks.model
    ]
    if "side" in frame.columns:
        frame["side"] = frame["side"].fillna("unknown").astype(str).str.lower().str.strip()
    return frame


def unique_ids(sources: list[str]) -> list[str]:
    """A recording id a video file: its stem, or its file name when two stems collide.

    ``trunc.mp4`` and ``trunc.avi`` are two recordings; naming both ``trunc`` would lose
    one (or quarantine it as a duplicate). The same path twice keeps one id: that is a
    duplicate row, which ingest reports as such.
    """
    stems: dict[str, set[str]] = {}
    for s in sources:
        stems.setdefault(Path(s).stem, set()).add(s)
    out = []
    for s in sources:
        stem = Path(s).stem
        out.append(stem if len(stems[stem]) == 1 else Path(s).name.replace(".", "_"))
    return out


def video_problem(path: Path) -> str | None:
    """What is wrong with a video file before decoding it, or None."""
    if not path.is_file():
        return f"video not found: {path}"
    if path.stat().st_size == 0:
        return f"empty file (0 bytes): {path.name}"
    return None


def scan_folder(folder: Path) -> list[Path]:
    """Every video file below ``folder`` (for `hawkeye landmarks extract FOLDER`)."""
    return sorted(
        p for p in Path(folder).rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file()
    )
