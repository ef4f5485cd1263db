"""What every reader shares: its errors, its result type, and folder-to-manifest plumbing.

Readers raise rather than return partial data, so that a bad file is named
(file and line) and reaches the quarantine with that reason instead of being
dropped silently; :func:`collect_rows` is the one place where a folder's bad
files are caught and recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hawkeye.data.errors import DatasetError
from hawkeye.data.quarantine import Quarantine
from hawkeye.landmarks.sequence import LandmarkError, LandmarkSequence

_GLOB = re.compile(r"[*?\[]")


class RecordingError(LandmarkError):
    """One recording's landmark file breaks its format (bad line, joint count, NaN, empty)."""


class LabelError(DatasetError):
    """A sample's name or annotation gives no valid subject or label (unknown token or value)."""


class SourceError(DatasetError):
    """A data folder, or a file holding many samples (a ``.ts`` archive), cannot be read."""


@dataclass(frozen=True)
class Recording:
    """A landmark sequence plus per-frame arrays the format carries beside positions.

    ``extras`` keys used by the readers: ``orientation`` (float32 [frames,
    joints, 4], quaternion x y z w), ``joint_present`` (bool [frames, joints],
    for detectors that omit undetected joints) and ``confidence`` (float32
    [frames, joints]).
    """

    sequence: LandmarkSequence
    extras: dict[str, np.ndarray] = field(default_factory=dict)


def make_sequence(
    path: Path, points: np.ndarray, presence: np.ndarray, layout: str, fps: float
) -> LandmarkSequence:
    """Build a validated sequence; a contract error is re-raised naming ``path``."""
    try:
        return LandmarkSequence(points.astype(np.float32, copy=False), presence, layout, fps)
    except LandmarkError as exc:
        raise RecordingError(f"{Path(path).name}: {exc}") from exc


def all_zero_frames(points: np.ndarray) -> np.ndarray:
    """Frames whose joints are all exactly zero: how trackers write 'nobody seen'."""
    return (points == 0).all(axis=(1, 2))


def list_files(folder: Path, *patterns: str) -> list[Path]:
    """Files under ``folder`` (recursively) matching any glob pattern; none is an error."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceError(f"data folder {folder} does not exist")
    files = sorted({p for pattern in patterns for p in folder.rglob(pattern) if p.is_file()})
    if not files:
        raise SourceError(f"{folder}: no file matches {', '.join(patterns)}")
    return files


def source_files(path: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Files at ``path``: a folder (searched recursively for ``patterns``), a file or a glob."""
    text = str(path)
    if _GLOB.search(text):
        parts = Path(text).parts
        fixed = next(i for i, part in enumerate(parts) if _GLOB.search(part))
        root = Path(*parts[:fixed])
        files = sorted(p for p in root.glob(str(Path(*parts[fixed:]))) if p.is_file())
        if not files:
            raise SourceError(f"no file matches {text}")
        return files
    if Path(path).is_file():
        return [Path(path)]
    return list_files(path, *patterns)


def data_root(path: Path) -> Path:
    """The folder a dataset path lives in (the part of a glob before its first wildcard)."""
    parts = Path(path).parts
    fixed = next((i for i, part in enumerate(parts) if _GLOB.search(part)), len(parts))
    root = Path(*parts[:fixed])
    return root if root.is_dir() else root.parent


def collect_rows(
    paths: Iterable[Path],
    row_of: Callable[[Path], dict[str, Any]],
    quarantine: Quarantine | None = None,
) -> list[dict[str, Any]]:
    """Manifest rows for ``paths``.

    A file whose name or content is bad raises, or, when a ``quarantine`` is
    given, is recorded there with the reason and the others go on.
    """
    rows = []
    for path in paths:
        try:
            rows.append(row_of(path))
        except (LandmarkError, DatasetError) as exc:
            if quarantine is None:
                raise
            quarantine.add(path.name, path, str(exc))
    return rows
