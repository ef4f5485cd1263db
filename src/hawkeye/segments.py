"""Labels in time: segment annotations to per-frame targets, and per-frame predictions back.

A **segment** is ``(start, end, label)`` in sequence frame indices, ``end``
exclusive. Where annotations come from:

- UTKinect (``data/readers/utkinect.py``): the manifest's ``segments`` column
  already in frames (``segments_unit`` ``"frame"``);
- KERAAL's Anvil files (``data/readers/anvil.py``, read into the ``segments``
  column by the ``keraal`` format): seconds, several tracks; pick one with
  ``track`` (e.g. ``"Temporal error"``) and give the recording's ``fps``. Frame
  ``i`` (at ``i / fps`` s) belongs to a segment when ``start <= i / fps < end``,
  as :func:`hawkeye.data.readers.anvil.frame_labels` has it;
- a CSV of segments (:func:`read_segments_csv`): a recording column, ``start``,
  ``end``, ``label``, and optionally ``unit`` (frame / second).

:func:`frame_targets` makes one class index a frame, class 0 the background
(frames no segment covers); later segments win where two overlap.
:func:`class_weights` weights rare classes up for a weighted loss.
:func:`smooth` turns noisy per-frame predictions into clean runs (a sliding
majority vote, then runs shorter than a minimum length merged into a
neighbour), and :func:`to_segments` reads runs back as segments.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from hawkeye.config import SEGMENTS_TASK as SEGMENTS_TASK  # the task's name, declared there
from hawkeye.errors import HawkeyeError

BACKGROUND = "background"
Unit = Literal["frame", "second"]
_RECORDING_COLUMNS = ("sample_id", "recording", "recording_id", "video", "file")


class SegmentsError(HawkeyeError, ValueError):
    """Segment annotations that cannot be used; the message says what is expected."""


class Segment(NamedTuple):
    start: int  # first frame
    end: int  # one past the last frame
    label: str


def parse_segments(
    value: str | Sequence[Mapping[str, Any]] | None,
    unit: Unit = "frame",
    fps: float | None = None,
    track: str | None = None,
) -> list[Segment]:
    """Segments (in frames) from a ``segments`` column value: JSON text or a list of dicts.

    ``unit="second"`` converts with ``fps`` (frame ``i`` is in ``[start, end)`` seconds when
    ``start <= i / fps < end``); ``track`` keeps only the dicts whose ``track`` is that
    (Anvil's tracks: ``"Temporal error"``, ``"Global error"``, ...). Missing: no segments.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    items = json.loads(value) if isinstance(value, str) else list(value)
    if unit not in ("frame", "second"):
        raise ValueError(f"unit must be 'frame' or 'second', got {unit!r}")
    if unit == "second" and not (fps and fps > 0):
        raise ValueError("segments in seconds need the recording's fps > 0")
    out = []
    for item in items:
        if track is not None and item.get("track") != track:
            continue
        start, end = float(item["start"]), float(item["end"])
        if end < start:
            raise ValueError(f"segment {item!r}: end is before start")
        if unit == "second":
            assert fps is not None
            start, end = math.ceil(start * fps - 1e-9), math.ceil(end * fps - 1e-9)
        out.append(Segment(int(start), int(end), str(item["label"])))
    return out


def row_segments(row: Mapping[str, Any], track: str | None = None) -> list[Segment]:
    """The segments of a manifest row, in frames (its ``segments_unit``, else seconds)."""
    unit = row.get("segments_unit")
    unit = unit if isinstance(unit, str) and unit else "second"  # NaN in a mixed table
    return parse_segments(row.get("segments"), unit=unit, fps=row.get("fps"), track=track)


def in_frames(rows: pd.DataFrame, track: str | None = None) -> pd.DataFrame:
    """``rows`` with every ``segments`` value rewritten in frames (``segments_unit`` frame),
    ``track`` kept alone: what a frame-wise model reads, whatever the annotation's unit.

    A table without a ``segments`` column is a ``SegmentsError`` that says where they come
    from; a recording without segments is all background.
    """
    if "segments" not in rows.columns:
        raise SegmentsError(
            "task: segments needs segment annotations (a `segments` column): a format that "
            "reads them (utkinect, keraal's Anvil files) or a CSV of segments "
            "(hawkeye.segments.read_segments_csv)"
        )
    values = [
        json.dumps([s._asdict() for s in row_segments(row, track)]) for _, row in rows.iterrows()
    ]
    return rows.assign(segments=values, segments_unit="frame")


def read_segments_csv(
    path: Path, unit: Unit = "frame", fps: Mapping[str, float] | float | None = None
) -> dict[str, list[Segment]]:
    """``{recording: [Segment, ...]}`` from a CSV of ``recording, start, end, label`` rows.

    The recording column may be named ``sample_id``, ``recording``, ``recording_id``,
    ``video`` or ``file``; a ``unit`` column overrides ``unit`` row by row; ``fps`` (one
    rate, or one a recording) converts seconds.
    """
    table = pd.read_csv(path)
    key = next((c for c in _RECORDING_COLUMNS if c in table.columns), None)
    missing = [c for c in ("start", "end", "label") if c not in table.columns]
    if key is None or missing:
        raise ValueError(
            f"{Path(path).name}: a segments CSV needs a recording column "
            f"({' / '.join(_RECORDING_COLUMNS)}) and start, end, label; missing "
            f"{missing or ['a recording column']}"
        )
    out: dict[str, list[Segment]] = {}
    for recording, group in table.groupby(key, sort=False):
        rate = fps.get(str(recording)) if isinstance(fps, Mapping) else fps
        items = group.to_dict("records")
        segments: list[Segment] = []
        for item in items:
            row_unit = item.get("unit") if isinstance(item.get("unit"), str) else unit
            segments += parse_segments([item], unit=row_unit, fps=rate)
        out[str(recording)] = segments
    return out


def class_names(
    segment_lists: Iterable[Sequence[Segment]], background: str = BACKGROUND
) -> list[str]:
    """``[background, *sorted labels]``: the class order of :func:`frame_targets`."""
    labels = sorted({s.label for segments in segment_lists for s in segments} - {background})
    return [background, *labels]


def frame_targets(segments: Sequence[Segment], n_frames: int, classes: Sequence[str]) -> np.ndarray:
    """int64 ``[n_frames]``: the class index (in ``classes``) of each frame; 0 where no segment.

    Segments are clipped to the recording; a later segment wins where two overlap. A label
    not in ``classes`` is a ``ValueError``.
    """
    index = {name: i for i, name in enumerate(classes)}
    targets = np.zeros(n_frames, dtype=np.int64)
    for segment in segments:
        if segment.label not in index:
            raise ValueError(f"segment label {segment.label!r} is not among {list(classes)}")
        start, end = max(segment.start, 0), min(segment.end, n_frames)
        if end > start:
            targets[start:end] = index[segment.label]
    return targets


def class_weights(
    targets: Iterable[np.ndarray],
    n_classes: int,
    scheme: Literal["balanced", "median", "none"] = "balanced",
    max_weight: float = 10.0,
) -> np.ndarray:
    """float32 ``[n_classes]`` loss weights from the frames' class counts.

    ``balanced``: ``frames / (classes present * count)`` (scikit-learn's); ``median``:
    median frequency over count (Eigen & Fergus); ``none``: ones. Weights are capped at
    ``max_weight``; a class no frame has gets 0 (nothing to weigh).
    """
    counts = np.zeros(n_classes, dtype=np.float64)
    for t in targets:
        counts += np.bincount(np.asarray(t, dtype=np.int64), minlength=n_classes)[:n_classes]
    weights = np.zeros(n_classes, dtype=np.float64)
    present = counts > 0
    if scheme == "none":
        weights[present] = 1.0
    elif scheme == "balanced":
        weights[present] = counts.sum() / (present.sum() * counts[present])
    elif scheme == "median":
        weights[present] = np.median(counts[present]) / counts[present]
    else:
        raise ValueError(f"scheme must be balanced, median or none, got {scheme!r}")
    return np.minimum(weights, max_weight).astype(np.float32)


def runs(frames: Sequence[Any] | np.ndarray) -> list[tuple[int, int, Any]]:
    """``[(start, end, value)]``: the maximal runs of equal values (end exclusive)."""
    values = np.asarray(frames)
    if values.size == 0:
        return []
    change = np.flatnonzero(values[1:] != values[:-1]) + 1
    starts = np.r_[0, change]
    ends = np.r_[change, len(values)]
    return [(int(a), int(b), values[a].item()) for a, b in zip(starts, ends, strict=True)]


def smooth(frames: Sequence[int] | np.ndarray, window: int = 1, min_length: int = 1) -> np.ndarray:
    """Per-frame class indices with a sliding majority vote over ``window`` frames (odd; ties go
    to the frame's own class, then the smaller index), then every run shorter than
    ``min_length`` merged into its longer neighbour (the left one on a tie), shortest first.
    """
    labels = np.asarray(frames, dtype=np.int64).copy()
    n = len(labels)
    if n == 0:
        return labels
    if window > 1:
        half = window // 2
        padded = np.r_[np.full(half, labels[0]), labels, np.full(half, labels[-1])]
        voted = labels.copy()
        for i in range(n):
            counts = np.bincount(padded[i : i + 2 * half + 1])
            best = counts.max()
            voted[i] = labels[i] if counts[labels[i]] == best else int(np.argmax(counts))
        labels = voted
    if min_length > 1:
        pieces = [list(r) for r in runs(labels)]
        while len(pieces) > 1:
            lengths = [b - a for a, b, _ in pieces]
            i = int(np.argmin(lengths))
            if lengths[i] >= min_length:
                break
            left = lengths[i - 1] if i > 0 else -1
            right = lengths[i + 1] if i + 1 < len(pieces) else -1
            j = i - 1 if left >= right else i + 1
            pieces[i][2] = pieces[j][2]
            merged: list[list[Any]] = []
            for piece in pieces:
                if merged and merged[-1][2] == piece[2]:
                    merged[-1][1] = piece[1]
                else:
                    merged.append(piece)
            pieces = merged
        labels = np.concatenate([np.full(b - a, v, dtype=np.int64) for a, b, v in pieces])
    return labels


def to_segments(
    frames: Sequence[int] | np.ndarray,
    classes: Sequence[str],
    background: int | None = 0,
    fps: float | None = None,
) -> list[dict[str, Any]]:
    """``[{start, end, label}]`` of the runs of ``frames`` (class indices), background left out;
    frames (end exclusive), plus ``start_s``/``end_s`` in seconds when ``fps`` is given."""
    out = []
    for start, end, value in runs(np.asarray(frames, dtype=np.int64)):
        if background is not None and value == background:
            continue
        item: dict[str, Any] = {"start": start, "end": end, "label": classes[value]}
        if fps:
            item |= {"start_s": start / fps, "end_s": end / fps}
        out.append(item)
    return out
