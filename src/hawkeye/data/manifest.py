"""The manifest contract: one row a recording, grouped by ``subject_id`` everywhere."""

from __future__ import annotations

import pandas as pd

REQUIRED = ["sample_id", "subject_id", "task", "side", "label", "source", "fps", "dataset"]


def check_row(row: pd.Series, min_label: int, max_label: int, needs_fps: bool = True) -> str | None:
    """The reason a manifest row is unusable, or None when it is fine.

    Feature tables carry no frame rate (``needs_fps=False``); landmark
    recordings must, since every time-based feature divides by it.
    """
    for col in ("sample_id", "subject_id"):
        value = row.get(col)
        if pd.isna(value) or str(value).strip() == "":
            return f"missing {col}"
    label = row.get("label")
    if pd.isna(label):
        return "missing label"
    try:
        as_float = float(label)
    except (TypeError, ValueError):
        return f"label {label!r} is not a number"
    if as_float != int(as_float) or not min_label <= int(as_float) <= max_label:
        return f"label {label!r} outside {min_label}..{max_label}"
    fps = row.get("fps")
    if needs_fps and not (pd.notna(fps) and float(fps) > 0):
        return f"fps {fps!r} is not a positive number"
    return None


def missing_columns(frame: pd.DataFrame, required: list[str]) -> list[str]:
    return [c for c in required if c not in frame.columns]
