"""UTKinect-Action3D: continuous Kinect v1 skeleton streams with segment labels.

Files (Xia, Chen and Aggarwal, CVPR-W 2012; ``../shared/data/README.md``):

- ``joints_sSS_eEE.txt``: one line a skeleton, ``frame_number`` then 20 joints
  x y z (61 values). Frame numbers are those of the RGB video (30 frames a
  second, the dataset page's figure); only frames with a tracked skeleton were
  written, so the numbers jump (by 2-10 mostly, more in places). A frame number
  written twice (a second tracked body) keeps its first line.
- ``actionLabel.txt`` / ``actionLabel_modified.txt``: per sequence a line
  ``sSS_eEE`` then ten lines ``action: start_frame end_frame`` (RGB frame
  numbers, inclusive). The ``_modified`` file is the corrected one later work
  uses, and the one read when present. ``NaN`` bounds (an action not done)
  drop that action.

Joints are in the Kinect SDK v1 order (:data:`JOINTS`, layout ``kinect_v1_20``:
the first frames put hip_center below spine below shoulder_center below head,
y up, z depth in metres).

A sequence's frames are its skeleton lines (one sample a distinct frame
number), so the landmark sequence is not evenly spaced in time: its ``fps`` is
the mean rate, ``(n - 1) * 30 / (last - first frame number)`` (5-10 Hz here),
and ``extras["frame_number"]`` keeps the RGB numbers. One manifest row a
sequence: ``subject_id`` the subject (``s01``), ``episode``, ``label`` 0 (a
sequence holds all ten actions; there is no recording label) and
``segments``, a JSON list ``[{"start", "end", "label", "start_frame",
"end_frame"}]`` where ``start``/``end`` are **sequence frame indices** (end
exclusive: the skeleton lines whose frame number lies in ``[start_frame,
end_frame]``) and ``segments_unit`` is ``"frame"``. Frames outside every
segment are background (:mod:`hawkeye.segments`).
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hawkeye.data.readers.base import (
    LabelError,
    Recording,
    RecordingError,
    all_zero_frames,
    make_sequence,
    source_files,
)
from hawkeye.data.readers.registry import SkeletonFormat, register, rows_per_file
from hawkeye.data.readers.textfile import numeric_table
from hawkeye.landmarks.sequence import LandmarkSequence, register_layout

DATASET = "utkinect"
LAYOUT = "kinect_v1_20"
VIDEO_FPS = 30.0  # the RGB frame numbering's rate (UTKinect-Action3D page: "30f/s")
PATTERNS = ("joints_s*_e*.txt",)
LABEL_FILES = ("actionLabel_modified.txt", "actionLabel.txt")  # the corrected one first

JOINTS = (
    "hip_center", "spine", "shoulder_center", "head",
    "left_shoulder", "left_elbow", "left_wrist", "left_hand",
    "right_shoulder", "right_elbow", "right_wrist", "right_hand",
    "left_hip", "left_knee", "left_ankle", "left_foot",
    "right_hip", "right_knee", "right_ankle", "right_foot",
)  # fmt: skip
PARENTS = (-1, 0, 1, 2, 2, 4, 5, 6, 2, 8, 9, 10, 0, 12, 13, 14, 0, 16, 17, 18)
ACTIONS = (
    "walk", "sitDown", "standUp", "pickUp", "carry",
    "throw", "push", "pull", "waveHands", "clapHands",
)  # fmt: skip

register_layout(LAYOUT, JOINTS, parents=PARENTS)

_NAME = re.compile(r"joints_(?P<sample>s(?P<subject>\d\d)_e(?P<episode>\d\d))\.txt")
_SEQUENCE = re.compile(r"s\d\d_e\d\d")
_ACTION = re.compile(r"(?P<action>\w+)\s*:\s*(?P<start>\S+)\s+(?P<end>\S+)")


def read_joints(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(frame_numbers int [n], points float64 [n, 20, 3])``, one row a distinct frame number."""
    table = numeric_table(path, 1 + 3 * len(JOINTS), what="(frame number, 20 joints x y z)")
    numbers = table[:, 0]
    if (numbers != np.round(numbers)).any() or (numbers < 0).any():
        raise RecordingError(f"{Path(path).name}: frame numbers must be whole and >= 0")
    if (np.diff(numbers) < 0).any():
        raise RecordingError(f"{Path(path).name}: frame numbers go backwards")
    keep = np.r_[True, np.diff(numbers) > 0]  # a repeated number: a second body; keep the first
    points = table[keep, 1:].reshape(-1, len(JOINTS), 3)
    return numbers[keep].astype(np.int64), points


def read_utkinect(path: Path) -> Recording:
    """One sequence file (layout ``kinect_v1_20``); ``extras["frame_number"]`` the RGB numbers."""
    numbers, points = read_joints(path)
    span = numbers[-1] - numbers[0]
    if len(numbers) < 2 or span <= 0:
        raise RecordingError(f"{Path(path).name}: fewer than two distinct frames")
    fps = (len(numbers) - 1) * VIDEO_FPS / span
    sequence = make_sequence(path, points, ~all_zero_frames(points), LAYOUT, fps)
    return Recording(sequence, {"frame_number": numbers})


def read_labels(path: Path) -> dict[str, list[tuple[str, float, float]]]:
    """``{"s01_e01": [(action, start_frame, end_frame), ...]}`` from an ``actionLabel`` file."""
    path = Path(path)
    labels: dict[str, list[tuple[str, float, float]]] = {}
    current: str | None = None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelError(f"{path.name}: cannot read ({exc})") from exc
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        if _SEQUENCE.fullmatch(line):
            current = line
            labels[current] = []
            continue
        match = _ACTION.fullmatch(line)
        if match is None or current is None:
            raise LabelError(f"{path.name}:{lineno}: expected 'sSS_eEE' or 'action: start end'")
        if match["action"] not in ACTIONS:
            raise LabelError(f"{path.name}:{lineno}: unknown action {match['action']!r}")
        try:
            start, end = float(match["start"]), float(match["end"])
        except ValueError:
            raise LabelError(f"{path.name}:{lineno}: bounds are not numbers") from None
        if math.isnan(start) or math.isnan(end):
            continue  # the action was not performed / not annotated
        if end < start:
            raise LabelError(f"{path.name}:{lineno}: end {end:g} is before start {start:g}")
        labels[current].append((match["action"], start, end))
    if not labels:
        raise LabelError(f"{path.name}: no sequence in the label file")
    return labels


def frame_segments(
    numbers: np.ndarray, actions: list[tuple[str, float, float]]
) -> list[dict[str, Any]]:
    """Segments in sequence frame indices (end exclusive) for RGB-numbered action bounds."""
    out = []
    for action, start, end in actions:
        first = int(np.searchsorted(numbers, start, side="left"))
        stop = int(np.searchsorted(numbers, end, side="right"))
        if stop > first:  # an action between two skeleton lines covers no frame
            out.append(
                {
                    "start": first,
                    "end": stop,
                    "label": action,
                    "start_frame": int(start),
                    "end_frame": int(end),
                }
            )
    return out


def label_file(folder: Path) -> Path:
    """The folder's ``actionLabel_modified.txt``, else its ``actionLabel.txt``."""
    for name in LABEL_FILES:
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    raise LabelError(f"{folder}: no {' or '.join(LABEL_FILES)} beside the joint files")


@functools.lru_cache(maxsize=8)
def _labels(path: Path, mtime: float) -> dict[str, list[tuple[str, float, float]]]:
    return read_labels(path)


def manifest_row(path: Path) -> dict[str, Any]:
    """One row a sequence, with its ``segments`` (see the module doc)."""
    path = Path(path)
    match = _NAME.fullmatch(path.name)
    if match is None:
        raise LabelError(f"{path.name}: not a UTKinect name (joints_sSS_eEE.txt)")
    labels_path = label_file(path.parent)
    labels = _labels(labels_path, labels_path.stat().st_mtime)
    sample = match["sample"]
    if sample not in labels:
        raise LabelError(f"{path.name}: {labels_path.name} has no entry {sample}")
    recording = read_utkinect(path)
    numbers = recording.extras["frame_number"]
    return {
        "sample_id": sample,
        "subject_id": f"s{match['subject']}",
        "task": "action_segments",
        "side": "unknown",
        "label": 0,  # a sequence holds every action: the targets are its segments
        "source": str(path),
        "fps": recording.sequence.fps,
        "dataset": DATASET,
        "format": DATASET,  # as ingest writes it: formats.load_recording(row) re-reads it
        "layout": LAYOUT,
        "episode": f"e{match['episode']}",
        "n_frames": recording.sequence.n_frames,
        "first_frame": int(numbers[0]),
        "last_frame": int(numbers[-1]),
        "segments": json.dumps(frame_segments(numbers, labels[sample])),
        "segments_unit": "frame",
        "annotation": str(labels_path),
    }


def load(path: Path, row: Mapping[str, Any]) -> LandmarkSequence:
    """The sequence of one manifest row."""
    return read_utkinect(path).sequence


def _fingerprint(path: Path) -> list[Path]:
    files = source_files(path, PATTERNS)
    labels = {p for f in files for n in LABEL_FILES if (p := f.parent / n).is_file()}
    return sorted({*files, *labels})


FORMAT = register(
    SkeletonFormat(
        name=DATASET,
        description="UTKinect-Action3D streams (Kinect v1, 20 joints) with action segments",
        patterns=PATTERNS,
        manifest_rows=rows_per_file(PATTERNS, manifest_row),
        load_sequence=load,
        fingerprint_files=_fingerprint,
    )
)
