"""UI-PRMD Kinect positions: ``m01_s01_e01_positions[_inc].txt[.gz]``, one frame a line.

Each line holds 66 comma-separated values: 22 joints x (x, y, z), checked on
all 2000 shared files. The joint names and parent tree below are UI-PRMD's
Kinect skeleton; the files confirm the tree: every non-root joint's triple
stays nearly constant along one axis (a bone).

Beware: these are *not* Cartesian joint positions. Only the root (waist) is
absolute (centimetres, camera space); every other joint is its offset from
its parent in the parent's local frame. Absolute positions need the joint
angles (UI-PRMD's separate ``angles`` files, not in the shared data), so
distances between joints computed from these arrays are meaningless; the
manifest says so in its ``coordinates`` column.

Labels: ``label`` 1 = correct repetition (``correct/`` folder, no suffix),
0 = incorrect (``incorrect/``, ``_inc``); a file whose folder and suffix
disagree is an error. ``task`` is the movement (m01-m10), ``subject_id``
s01-s10, ``episode`` e01-e10.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hawkeye.data.quarantine import Quarantine
from hawkeye.data.readers.base import (
    LabelError,
    Recording,
    all_zero_frames,
    collect_rows,
    list_files,
    make_sequence,
)
from hawkeye.data.readers.registry import SkeletonFormat, register, rows_per_file
from hawkeye.data.readers.textfile import numeric_table
from hawkeye.landmarks.sequence import LandmarkSequence, register_layout

DATASET = "ui_prmd"
LAYOUT = "uiprmd_kinect_22"
FPS = 30.0  # Kinect v2.
COORDINATES = "root_absolute_parent_local"
PATTERNS = ("m*_positions*.txt", "m*_positions*.txt.gz")

JOINTS = (
    "Waist", "Spine", "Chest", "Neck", "Head", "HeadTip",
    "LeftCollar", "LeftUpperArm", "LeftForearm", "LeftHand",
    "RightCollar", "RightUpperArm", "RightForearm", "RightHand",
    "LeftUpperLeg", "LeftLowerLeg", "LeftFoot", "LeftLegToes",
    "RightUpperLeg", "RightLowerLeg", "RightFoot", "RightLegToes",
)  # fmt: skip
PARENTS = (-1, 0, 1, 2, 3, 4, 3, 6, 7, 8, 3, 10, 11, 12, 0, 14, 15, 16, 0, 18, 19, 20)
register_layout(LAYOUT, JOINTS, parents=PARENTS)

MOVEMENTS = {
    "m01": "deep squat",
    "m02": "hurdle step",
    "m03": "inline lunge",
    "m04": "side lunge",
    "m05": "sit to stand",
    "m06": "standing active straight leg raise",
    "m07": "standing shoulder abduction",
    "m08": "standing shoulder extension",
    "m09": "standing shoulder internal-external rotation",
    "m10": "standing shoulder scaption",
}

_NAME = re.compile(
    r"(?P<movement>m\d\d)_(?P<subject>s\d\d)_(?P<episode>e\d\d)_positions(?P<inc>_inc)?\.txt(\.gz)?"
)


def read_uiprmd(path: Path, fps: float = FPS) -> Recording:
    """One UI-PRMD positions file (``uiprmd_kinect_22``; mind the module note on coordinates)."""
    table = numeric_table(path, 3 * len(JOINTS), sep=",", what="(22 joints x 3)")
    points = table.reshape(len(table), len(JOINTS), 3)
    return Recording(make_sequence(path, points, ~all_zero_frames(points), LAYOUT, fps))


def manifest_row(path: Path, read: bool = False) -> dict[str, Any]:
    """One manifest row from the file name; ``read=True`` also reads it and adds ``n_frames``."""
    path = Path(path)
    match = _NAME.fullmatch(path.name)
    if not match or match["movement"] not in MOVEMENTS:
        raise LabelError(f"{path.name}: not a UI-PRMD positions file name (m01_s01_e01_positions)")
    correct = match["inc"] is None
    folder = path.parent.name
    if folder in ("correct", "incorrect") and (folder == "correct") != correct:
        said = "correct" if correct else "incorrect"
        raise LabelError(f"{path.name}: the name says {said} but the file is in {folder}/")
    row: dict[str, Any] = {
        "sample_id": f"{match['movement']}_{match['subject']}_{match['episode']}_"
        + ("correct" if correct else "incorrect"),
        "subject_id": match["subject"],
        "task": match["movement"],
        "side": "unknown",
        "label": int(correct),
        "source": str(path),
        "fps": FPS,
        "dataset": DATASET,
        "layout": LAYOUT,
        "episode": match["episode"],
        "movement": MOVEMENTS[match["movement"]],
        "coordinates": COORDINATES,
    }
    if read:
        row["n_frames"] = read_uiprmd(path).sequence.n_frames
    return row


def manifest_rows(
    folder: Path, quarantine: Quarantine | None = None, read: bool = False
) -> list[dict[str, Any]]:
    """Rows for every positions file under ``folder`` (``correct/`` and ``incorrect/``)."""
    files = list_files(folder, *PATTERNS)
    return collect_rows(files, lambda p: manifest_row(p, read=read), quarantine)


def load(path: Path, row: Mapping[str, Any]) -> LandmarkSequence:
    """The sequence of one manifest row (``dataset.format: uiprmd``)."""
    return read_uiprmd(path, fps=float(row["fps"])).sequence


FORMAT = register(
    SkeletonFormat(
        name="uiprmd",
        description="UI-PRMD Kinect positions (22 joints, root-absolute, parent-local offsets)",
        patterns=PATTERNS,
        manifest_rows=rows_per_file(PATTERNS, lambda path: manifest_row(path, read=True)),
        load_sequence=load,
    )
)
