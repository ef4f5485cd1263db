"""MSR Action3D skeletons: ``aAA_sSS_eEE_skeleton3D.txt``, 20 lines a frame of ``x y z confidence``.

Joint count: every shared file has a multiple of 20 lines with 4 values each
(20 joints, as the dataset says). The joint order is MSR Action3D's own, not
the Kinect SDK v1 order, hence its own layout name ``msr_action3d_20``:
the bones in the dataset's ``drawskt.m`` fix the tree, and the side follows
from the one-arm actions (high arm wave, hammer, ...), which the subjects
performed with the right arm: joint 13 moves, joint 12 does not. ``y`` is up
and ``z`` is depth (``drawskt.m`` swaps them for plotting).

A frame is present when its joints are not all zero (tracking lost); the
per-joint confidence is kept in the ``confidence`` extra. ``label`` is the
action number minus one (0-19, for classifiers); ``action`` keeps 1-20.
When the folder holds ``files_used_in_cvpr12_paper.txt``, the column
``in_cvpr12`` says whether a file is among the 557 the benchmark uses (the
other 10 are left out there; one of them, a13_s09_e02, is all zeros).

As ``dataset.format: msr_action3d`` (:data:`FORMAT`), rows also get ``split``:
the cross-subject protocol (odd subjects train, even test).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hawkeye.data.quarantine import Quarantine
from hawkeye.data.readers.base import (
    LabelError,
    Recording,
    RecordingError,
    all_zero_frames,
    collect_rows,
    list_files,
    make_sequence,
    source_files,
)
from hawkeye.data.readers.registry import SkeletonFormat, register, rows_per_file
from hawkeye.data.readers.textfile import numeric_table
from hawkeye.landmarks.sequence import LandmarkSequence, register_layout

DATASET = "msr_action3d"
LAYOUT = "msr_action3d_20"
FPS = 15.0  # the capture rate given by the dataset authors (Li et al., CVPR-W 2010).
USED_LIST = "files_used_in_cvpr12_paper.txt"
PATTERNS = ("a*_s*_e*_skeleton3D.txt",)
# Cross-subject protocol (Li et al. 2010; Wang et al. 2012): odd subjects train.
TRAIN_SUBJECTS = frozenset({"s01", "s03", "s05", "s07", "s09"})

JOINTS = (
    "left_shoulder", "right_shoulder", "neck", "spine", "left_hip", "right_hip", "hip_center",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hand", "right_hand",
    "left_knee", "right_knee", "left_ankle", "right_ankle", "left_foot", "right_foot", "head",
)  # fmt: skip

ACTIONS = (
    "high arm wave", "horizontal arm wave", "hammer", "hand catch", "forward punch",
    "high throw", "draw x", "draw tick", "draw circle", "hand clap", "two hand wave",
    "side-boxing", "bend", "forward kick", "side kick", "jogging", "tennis swing",
    "tennis serve", "golf swing", "pickup & throw",
)  # fmt: skip

# The Kinect v1 skeleton from the hip centre (6): spine, neck, head; shoulders from the neck.
PARENTS = (2, 2, 3, 6, 6, 6, -1, 0, 1, 7, 8, 9, 10, 4, 5, 13, 14, 15, 16, 2)
register_layout(LAYOUT, JOINTS, parents=PARENTS)

_NAME = re.compile(r"a(?P<action>\d\d)_s(?P<subject>\d\d)_e(?P<episode>\d\d)_skeleton3D\.txt")


def read_msr_action3d(path: Path, fps: float = FPS) -> Recording:
    """One skeleton file (layout ``msr_action3d_20``: MSR's joint order, see JOINTS)."""
    table = numeric_table(path, 4, what="(x y z confidence)")
    if len(table) % len(JOINTS):
        raise RecordingError(
            f"{Path(path).name}: {len(table)} joint lines is not a whole number of "
            f"{len(JOINTS)}-joint frames"
        )
    values = table.reshape(-1, len(JOINTS), 4)
    points = values[..., :3]
    sequence = make_sequence(path, points, ~all_zero_frames(points), LAYOUT, fps)
    return Recording(sequence, {"confidence": values[..., 3].astype("float32")})


def manifest_row(path: Path, read: bool = False, used: set[str] | None = None) -> dict[str, Any]:
    """One manifest row from the file name; ``read=True`` also reads it and adds ``n_frames``."""
    path = Path(path)
    match = _NAME.fullmatch(path.name)
    if not match or not 1 <= int(match["action"]) <= len(ACTIONS):
        raise LabelError(f"{path.name}: not an MSR Action3D name (a01..a20_sSS_eEE_skeleton3D)")
    action = int(match["action"])
    row: dict[str, Any] = {
        "sample_id": path.name.removesuffix("_skeleton3D.txt"),
        "subject_id": f"s{match['subject']}",
        "task": "action",
        "side": "unknown",
        "label": action - 1,
        "source": str(path),
        "fps": FPS,
        "dataset": DATASET,
        "layout": LAYOUT,
        "action": action,
        "action_name": ACTIONS[action - 1],
        "episode": f"e{match['episode']}",
    }
    if used is not None:
        row["in_cvpr12"] = row["sample_id"] in used
    if read:
        row["n_frames"] = read_msr_action3d(path).sequence.n_frames
    return row


def manifest_rows(
    folder: Path, quarantine: Quarantine | None = None, read: bool = False
) -> list[dict[str, Any]]:
    """Rows for every ``a*_s*_e*_skeleton3D.txt`` under ``folder``."""
    files = list_files(folder, "a*_s*_e*_skeleton3D.txt")
    listing = Path(folder) / USED_LIST
    used = set(listing.read_text().split()) if listing.is_file() else None
    return collect_rows(files, lambda p: manifest_row(p, read=read, used=used), quarantine)


# ---- dataset.format: msr_action3d ----


def protocol_row(path: Path) -> dict[str, Any]:
    """A manifest row with ``in_cvpr12`` (from the folder's used list) and ``split``."""
    listing = Path(path).parent / USED_LIST
    used = _used_list(listing) if listing.is_file() else None
    row = manifest_row(path, read=True, used=used)
    row["split"] = "train" if row["subject_id"] in TRAIN_SUBJECTS else "test"
    return row


@functools.lru_cache(maxsize=8)
def _used_list(listing: Path) -> set[str]:
    return {name.removesuffix("_skeleton3D.txt") for name in listing.read_text().split()}


def load(path: Path, row: Mapping[str, Any]) -> LandmarkSequence:
    """The sequence of one manifest row."""
    return read_msr_action3d(path, fps=float(row["fps"])).sequence


FORMAT = register(
    SkeletonFormat(
        name=DATASET,
        description="MSR Action3D skeleton files (20 joints, 20 actions, cross-subject split)",
        patterns=PATTERNS,
        manifest_rows=rows_per_file(PATTERNS, protocol_row),
        load_sequence=load,
        fingerprint_files=lambda path: source_files(path, (*PATTERNS, USED_LIST)),
    )
)
