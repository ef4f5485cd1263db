"""NATOPS (UEA archive): 24 channels = x, y, z of 8 tracked points, length 51, 6 gestures.

Point order (layout ``natops_8``), derived from the comment block at the top
of ``NATOPS_TRAIN.ts``/``NATOPS_TEST.ts`` (channels 1-24 listed as hand tip
left X/Y/Z, hand tip right X/Y/Z, elbow left, elbow right, wrist left, wrist
right, thumb left, thumb right) and checked on the data: each hand tip lies
nearest its own thumb and wrist, each wrist between its hand and elbow.

The archive has no subject ids and no sampling rate: ``subject_id`` is the
case itself (no subject-grouped split is possible; use the official
train/test ``split`` column), and ``fps`` 20 is the camera rate of the
original NATOPS database (Song et al., FG 2011), assumed for the 51-step
series (the archive does not say whether they were resampled). ``label`` is the 0-based
position in ``@classLabel`` (``1.0``..``6.0`` -> 0..5); ``class_label`` keeps the original.

As ``dataset.format: natops`` (:data:`FORMAT`), ``dataset.path`` is the folder
with both files or one of them; a recording is re-read by its ``case_index``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hawkeye.data.readers.base import SourceError
from hawkeye.data.readers.registry import SkeletonFormat, register
from hawkeye.data.readers.uea_ts import TsDataset, read_ts
from hawkeye.landmarks.sequence import LandmarkSequence, register_layout

if TYPE_CHECKING:
    from hawkeye.data.quarantine import Quarantine

DATASET = "natops"
LAYOUT = "natops_8"
FPS = 20.0
POINTS = (
    "hand_tip_left", "hand_tip_right", "elbow_left", "elbow_right",
    "wrist_left", "wrist_right", "thumb_left", "thumb_right",
)  # fmt: skip
CLASS_NAMES = {
    "1.0": "I have command",
    "2.0": "All clear",
    "3.0": "Not clear",
    "4.0": "Spread wings",
    "5.0": "Fold wings",
    "6.0": "Lock wings",
}
SPLITS = {"train": "NATOPS_TRAIN.ts", "test": "NATOPS_TEST.ts"}
# Two arms, no shoulders: elbow -> wrist -> hand tip and thumb on each side.
PARENTS = (4, 5, -1, -1, 2, 3, 4, 5)
register_layout(LAYOUT, POINTS, parents=PARENTS)


def case_points(data: TsDataset, index: int) -> np.ndarray:
    """Case ``index`` as float32 ``[length, 8, 3]`` in POINTS order."""
    if data.values.shape[1] != 3 * len(POINTS):
        raise SourceError(
            f"{data.source.name}: {data.values.shape[1]} channels, NATOPS has {3 * len(POINTS)}"
        )
    values = data.values[index]  # [24, length]
    return np.ascontiguousarray(values.reshape(len(POINTS), 3, -1).transpose(2, 0, 1))


def case_sequence(data: TsDataset, index: int, fps: float = FPS) -> LandmarkSequence:
    """Case ``index`` as a ``natops_8`` landmark sequence (every step present)."""
    points = case_points(data, index)
    return LandmarkSequence(points, np.ones(len(points), dtype=bool), LAYOUT, fps)


def split_rows(path: Path, split: str, data: TsDataset | None = None) -> list[dict[str, Any]]:
    """One row a case of one split file (``data``: the file already read, if at hand)."""
    data = data if data is not None else read_ts(path)
    rows = []
    for i, (label, code) in enumerate(zip(data.labels, data.label_codes(), strict=True)):
        sample = f"natops_{split}_{i:03d}"
        rows.append(
            {
                "sample_id": sample,
                "subject_id": sample,
                "task": "natops_gesture",
                "side": "unknown",
                "label": int(code),
                "source": str(path),
                "fps": FPS,
                "dataset": DATASET,
                "layout": LAYOUT,
                "split": split,
                "case_index": i,
                "class_label": str(label),
                "class_name": CLASS_NAMES.get(str(label), str(label)),
            }
        )
    return rows


def manifest_rows(folder: Path) -> list[dict[str, Any]]:
    """One row a case of ``NATOPS_TRAIN.ts`` and ``NATOPS_TEST.ts`` in ``folder``."""
    rows = []
    for split, name in SPLITS.items():
        path = Path(folder) / name
        if not path.is_file():
            raise SourceError(f"{path} does not exist")
        rows += split_rows(path, split)
    return rows


# ---- dataset.format: natops ----


@functools.lru_cache(maxsize=4)
def _ts(path: Path) -> TsDataset:
    return read_ts(path)


def dataset_rows(path: Path, quarantine: Quarantine | None = None) -> list[dict[str, Any]]:
    """Rows of the folder's two files, or of one ``NATOPS_TRAIN.ts`` / ``NATOPS_TEST.ts``.

    An archive file is one unit: a bad one raises (no quarantine of single cases).
    """
    if path.is_dir():
        return manifest_rows(path)
    split = next((s for s, name in SPLITS.items() if name == path.name), None)
    if not path.is_file() or split is None:
        raise SourceError(f"{path}: give the NATOPS folder or one of {sorted(SPLITS.values())}")
    return split_rows(path, split, _ts(path))


def load(path: Path, row: Mapping[str, Any]) -> LandmarkSequence:
    """The sequence of one manifest row: case ``case_index`` of its ``.ts`` file."""
    return case_sequence(_ts(path), int(row["case_index"]), float(row["fps"]))


FORMAT = register(
    SkeletonFormat(
        name=DATASET,
        description="NATOPS gestures, UEA archive .ts (8 tracked points, official split)",
        patterns=tuple(SPLITS.values()),
        manifest_rows=dataset_rows,
        load_sequence=load,
        reload_columns=("case_index",),
    )
)
