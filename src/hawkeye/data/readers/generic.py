"""What the generic, declared skeleton sources share (``skeleton_table``, ``skeleton_ts``, and
the ``hawkeye`` arrays with a declared layout): telling a file's type, the checks ingest runs
on every recording, and the reading settings a manifest row carries.

A generic format is read as the run configuration declares (``dataset.layout``,
``dataset.skeleton``), and the landmark step or a sequence model re-reads a recording from
its manifest row alone: the row's ``skeleton_read`` column holds those settings as JSON
(the layout declaration included, registered again in a process that has not seen the
configuration).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hawkeye.data.readers.base import RecordingError
from hawkeye.data.readers.registry import declare_layout
from hawkeye.landmarks.sequence import LAYOUTS, JointLayout, LandmarkError, LandmarkSequence

if TYPE_CHECKING:
    from hawkeye.config import DatasetConfig

READ_COLUMN = "skeleton_read"  # the manifest column with a recording's reading settings

# What each format reads, for the wrong-file-type message.
EXPECTS = {
    "hawkeye": ".npy/.npz arrays",
    "skeleton_table": "CSV/parquet tables",
    "skeleton_ts": "UEA/aeon .ts files",
}
VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v"}
TABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".parquet", ".pq"}


def file_kind(path: Path) -> tuple[str, str | None]:
    """What ``path`` holds, from its first bytes and suffix: ``(description, format)``.

    ``format`` is the ``dataset.format`` that reads it (``"kind: videos"`` for a video,
    None when no format does).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"\x93NUMPY"):
        return "a NumPy array (.npy)", "hawkeye"
    if head.startswith(b"PK\x03\x04"):
        if suffix == ".npz":
            return "a NumPy archive (.npz)", "hawkeye"
        return "a zip archive", None
    if head.startswith(b"PAR1"):
        return "a parquet table", "skeleton_table"
    if suffix in VIDEO_SUFFIXES:
        return "a video", "kind: videos"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = "" if len(head) < 4096 else head[:4000].decode("utf-8", errors="replace")
    if "\x00" in text or not text.strip():
        return f"a binary or empty file ({suffix or 'no suffix'})", None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if lines and lines[0].startswith("@"):
        return "a UEA/aeon .ts file", "skeleton_ts"
    if lines and any(sep in lines[0] for sep in (",", ";", "\t")):
        return "a CSV table", "skeleton_table"
    return f"a text file ({suffix or 'no suffix'})", None


def wrong_type(path: Path, fmt: str) -> str | None:
    """Why ``path`` is not a file ``dataset.format: fmt`` reads, saying what is expected and
    which setting reads it; None when it is the right type (or no telling)."""
    kind, reader = file_kind(path)
    if reader == fmt:
        return None
    advice = (
        "set kind: videos"
        if reader == "kind: videos"
        else f"set format: {reader}"
        if reader
        else "convert it to one of those"
    )
    return f"{Path(path).name}: {kind}, but dataset.format is {fmt} ({EXPECTS[fmt]}); {advice}"


def layout_spec(cfg: DatasetConfig) -> dict[str, Any] | str:
    """``dataset.layout`` as the row carries it: a name, or the declaration."""
    layout = cfg.layout
    if isinstance(layout, str) or layout is None:
        return cfg.layout_name() or ""
    return layout.model_dump()


def settings(cfg: DatasetConfig, **extra: Any) -> str:
    """The reading settings of ``cfg`` as the JSON text of a row's ``skeleton_read``."""
    skeleton = cfg.skeleton_settings().model_dump(exclude={"min_frames", "max_nan_share"})
    return json.dumps({"layout": layout_spec(cfg), **skeleton, **extra}, sort_keys=True)


def read_settings(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's ``skeleton_read`` settings; its declared layout registered (if new here)."""
    text = row.get(READ_COLUMN)
    if not isinstance(text, str) or not text:
        raise RecordingError(f"row {row.get('sample_id')}: no {READ_COLUMN} settings (re-ingest)")
    spec = json.loads(text)
    layout = spec["layout"]
    if isinstance(layout, dict):
        if layout["name"] not in LAYOUTS:
            declare_layout(layout["name"], layout["joints"], layout["bones"], layout["root"])
        spec["layout_name"] = layout["name"]
    else:
        spec["layout_name"] = layout
    return spec


def joint_layout(name: str, source: Path) -> JointLayout:
    """The registered layout ``name``, which must name its joints (tables find columns by them)."""
    layout = LAYOUTS.get(name)
    if layout is None:
        raise RecordingError(f"{source.name}: unknown joint layout {name!r}")
    return layout


def nan_share(points: np.ndarray) -> float:
    """Share of frames in which some joint coordinate is missing (NaN)."""
    if not len(points):
        return 0.0
    return float((~np.isfinite(points)).any(axis=(1, 2)).mean())


def check(seq: LandmarkSequence, source: Path, cfg: DatasetConfig) -> None:
    """Ingest's checks of one recording (length, share of incomplete frames); raise why not."""
    skeleton = cfg.skeleton_settings()
    name = Path(source).name
    if seq.n_frames < skeleton.min_frames:
        raise RecordingError(
            f"{name}: {seq.n_frames} frame(s), fewer than skeleton.min_frames {skeleton.min_frames}"
        )
    missing = 1.0 - float(seq.presence.mean())
    if missing > skeleton.max_nan_share:
        raise RecordingError(
            f"{name}: {missing:.0%} of the frames lack a joint coordinate (NaN), more than "
            f"skeleton.max_nan_share {skeleton.max_nan_share:.0%}"
        )


def sequence(
    source: Path, points: np.ndarray, layout: str, fps: float, dims: int
) -> LandmarkSequence:
    """float ``[frames, joints, dims]`` with NaN for missing as a sequence: a frame lacking a
    coordinate is absent (its points stay NaN), two axes get z = 0."""
    points = np.asarray(points, dtype=np.float32)
    if dims == 2:
        points = np.concatenate([points, np.zeros_like(points[..., :1])], axis=2)
    presence = np.isfinite(points).all(axis=(1, 2))
    if not presence.any():
        raise RecordingError(f"{Path(source).name}: no frame has every joint's coordinates")
    try:
        return LandmarkSequence(points, presence, layout, float(fps))
    except LandmarkError as exc:  # the contract's own words, naming the file
        raise RecordingError(f"{Path(source).name}: {exc}") from exc
