"""UI-PRMD Kinect positions: ``m01_s01_e01_positions[_inc].txt[.gz]``, one frame a line.

Each line holds 66 comma-separated values: 22 joints x (x, y, z), checked on
all 2000 shared files. The joint names and parent tree below are UI-PRMD's
Kinect skeleton; the files confirm the tree: every non-root joint's triple
stays nearly constant along one axis (a bone).

Beware: these are *not* Cartesian joint positions. Only the root (waist) is
absolute (centimetres, camera space, y up); every other joint is its offset from
its parent in the parent's local frame, so distances between joints computed
from these arrays are meaningless; the manifest says so in its ``coordinates``
column. Format ``uiprmd`` reads them as they are.

Format ``uiprmd_absolute`` rebuilds the absolute skeleton
(:func:`hawkeye.landmarks.kinematics.forward_kinematics` along ``PARENTS``) from
these offsets and UI-PRMD's joint angles, the ``mMM_sSS_eEE_angles[_inc].txt[.gz]``
file of the same repetition: 22 joints x 3 Euler angles (x, y, z; degrees), each
relative to the joint's parent, applied as ``Rz Ry Rx`` (the convention of
UI-PRMD's own visualisation code, which attaches the collars to the chest without
its accumulated rotation; here every joint follows ``PARENTS``, which keeps the two
shoulders the more symmetric on the shared files). The angles file is looked for
where the positions file's path says ``angles`` for ``positions`` (the shared
``kinect_positions/`` beside ``kinect_angles/``, the release's ``Positions/``
beside ``Angles/``), then beside the positions file. Its layout is
``uiprmd_kinect_22_absolute``: root the waist, body size waist to neck, the
upper arms (shoulder joints) as the left-right line, so ``centre``, ``scale``
and ``view: canonical`` (:mod:`hawkeye.features.preprocess`) mean what they say.

Format ``uiprmd_angles`` reads the angles themselves as a sequence (layout
``uiprmd_kinect_22_angles``: each joint's three "coordinates" are its Euler
angles in degrees, all ``non_positional``), so that a model can take them as
channels: preprocessing leaves them as they are (no root to subtract, no view).

Format ``uiprmd_absolute_angles`` gives both: 44 entries a frame, the 22 absolute
joints then the 22 joints' angles (layout ``uiprmd_kinect_22_absolute_angles``,
angle ``j`` hanging from joint ``j`` in the bone tree, its entries ``non_positional``:
centring, scaling, the canonical view and the nets' rotation/scaling augmentation
leave the angles as they are).

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

import numpy as np

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
from hawkeye.landmarks.kinematics import forward_kinematics
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
ABSOLUTE_LAYOUT = "uiprmd_kinect_22_absolute"
ANGLES_LAYOUT = "uiprmd_kinect_22_angles"
# The absolute skeleton: root the waist, body size waist to neck, shoulders left-right.
register_layout(
    ABSOLUTE_LAYOUT, JOINTS, parents=PARENTS, root=(0,), size=((0,), (3,)), lateral=((7,), (11,))
)
register_layout(ANGLES_LAYOUT, JOINTS, parents=PARENTS, non_positional=tuple(range(len(JOINTS))))
BOTH_LAYOUT = "uiprmd_kinect_22_absolute_angles"
register_layout(
    BOTH_LAYOUT,
    JOINTS + tuple(f"{joint}_angles" for joint in JOINTS),
    parents=PARENTS + tuple(range(len(JOINTS))),
    root=(0,),
    size=((0,), (3,)),
    lateral=((7,), (11,)),
    non_positional=tuple(range(len(JOINTS), 2 * len(JOINTS))),
)
BOTH = "absolute_forward_kinematics_then_euler_angles_deg"
ABSOLUTE = "absolute_forward_kinematics"
ANGLES = "euler_angles_deg"

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
    points = _table(path)
    return Recording(make_sequence(path, points, ~all_zero_frames(points), LAYOUT, fps))


def _table(path: Path) -> np.ndarray:
    table = numeric_table(path, 3 * len(JOINTS), sep=",", what="(22 joints x 3)")
    return table.reshape(len(table), len(JOINTS), 3)


def angles_path(path: Path) -> Path:
    """The angles file of a positions file (module note); :class:`RecordingError` if none."""
    path = Path(path)
    name = path.name.replace("_positions", "_angles", 1)
    swapped = Path(
        *(
            part.replace("positions", "angles").replace("Positions", "Angles")
            for part in path.parent.parts
        )
    )
    tried = [swapped / name, path.parent / name]
    for candidate in tried:
        if candidate.is_file():
            return candidate
    raise RecordingError(
        f"{path.name}: no UI-PRMD angles file (looked for {', '.join(map(str, tried))})"
    )


def read_angles(path: Path, fps: float = FPS) -> Recording:
    """The joint angles of a positions file's repetition (``uiprmd_kinect_22_angles``)."""
    angles = _table(angles_path(path))
    return Recording(make_sequence(path, angles, np.ones(len(angles), bool), ANGLES_LAYOUT, fps))


def read_absolute(path: Path, fps: float = FPS, with_angles: bool = False) -> Recording:
    """Absolute joint positions (cm, camera space) by forward kinematics (module note);
    ``with_angles``: the angles after them (``uiprmd_kinect_22_absolute_angles``)."""
    offsets, where = _table(path), angles_path(path)
    angles = _table(where)
    if len(angles) != len(offsets):
        raise RecordingError(
            f"{path.name}: {len(offsets)} frames of positions but {len(angles)} in {where.name}"
        )
    present = ~all_zero_frames(offsets)
    points = forward_kinematics(offsets, PARENTS, angles)
    if with_angles:
        both = np.concatenate([points, angles], axis=1)
        return Recording(make_sequence(path, both, present, BOTH_LAYOUT, fps))
    return Recording(make_sequence(path, points, present, ABSOLUTE_LAYOUT, fps))


def read_absolute_angles(path: Path, fps: float = FPS) -> Recording:
    """:func:`read_absolute` with the joint angles as 22 more entries."""
    return read_absolute(path, fps, with_angles=True)


def manifest_row(path: Path, read: bool = False, variant: str = "uiprmd") -> dict[str, Any]:
    """One manifest row from the file name; ``read=True`` also reads it and adds ``n_frames``.

    ``variant``: the format (``uiprmd``, ``uiprmd_absolute``, ``uiprmd_angles``), which
    sets ``layout`` and ``coordinates`` and, when reading, what is read.
    """
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
        "layout": _VARIANTS[variant][0],
        "episode": match["episode"],
        "movement": MOVEMENTS[match["movement"]],
        "coordinates": _VARIANTS[variant][1],
    }
    if read:
        row["n_frames"] = _VARIANTS[variant][2](path, FPS).sequence.n_frames
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


def _with_angles(path: Path) -> list[Path]:
    """The positions files at ``path`` and each one's angles file (the fingerprint)."""
    files = source_files(path, PATTERNS)
    return sorted({*files, *(angles_path(f) for f in files)})


# format -> (layout, coordinates, reader)
_VARIANTS = {
    "uiprmd": (LAYOUT, COORDINATES, read_uiprmd),
    "uiprmd_absolute": (ABSOLUTE_LAYOUT, ABSOLUTE, read_absolute),
    "uiprmd_angles": (ANGLES_LAYOUT, ANGLES, read_angles),
    "uiprmd_absolute_angles": (BOTH_LAYOUT, BOTH, read_absolute_angles),
}


FORMAT = register(
    SkeletonFormat(
        name="uiprmd",
        description="UI-PRMD Kinect positions (22 joints, root-absolute, parent-local offsets)",
        patterns=PATTERNS,
        manifest_rows=rows_per_file(PATTERNS, lambda path: manifest_row(path, read=True)),
        load_sequence=load,
    )
)


def _register_rebuilt(name: str, description: str, read: Any) -> SkeletonFormat:
    """A format that reads the positions files with their angles files (``read``: one of
    ``read_absolute``, ``read_angles``, ``read_absolute_angles``)."""
    return register(
        SkeletonFormat(
            name=name,
            description=description,
            patterns=PATTERNS,
            manifest_rows=rows_per_file(
                PATTERNS, lambda path: manifest_row(path, read=True, variant=name)
            ),
            load_sequence=lambda path, row: read(path, fps=float(row["fps"])).sequence,
            fingerprint_files=_with_angles,
        )
    )


ABSOLUTE_FORMAT = _register_rebuilt(
    "uiprmd_absolute",
    "UI-PRMD Kinect skeletons made absolute by forward kinematics with the angles files "
    "(22 joints, cm)",
    read_absolute,
)
ANGLES_FORMAT = _register_rebuilt(
    "uiprmd_angles",
    "UI-PRMD Kinect joint angles as channels (22 joints x 3 Euler angles, degrees), read "
    "beside the positions files",
    read_angles,
)
BOTH_FORMAT = _register_rebuilt(
    "uiprmd_absolute_angles",
    "UI-PRMD absolute Kinect skeletons (forward kinematics) with the joint angles as 22 more "
    "entries, left as they are by preprocessing",
    read_absolute_angles,
)
