"""``dataset.format: skeleton_ts``: any UEA/aeon multivariate ``.ts`` file of joint positions.

``dataset.path`` is one ``.ts`` file, a glob, or a folder of them (read by the strict
reader of :mod:`hawkeye.data.readers.uea_ts`: classification files of equal length). Its
channels are the joints of ``dataset.layout`` times two or three axes
(``skeleton.axes``; two: z = 0), ordered ``skeleton.channel_order``: ``joint_major``
(j1x, j1y, j1z, j2x, ...; NATOPS's order) or ``axis_major`` (j1x, j2x, ..., j1y, ...). A
file with another channel count is refused, saying which count the layout needs.

A case is a recording: ``sample_id`` ``<file stem>_<case>`` (``subject_id`` the same: the
archive has no subjects, so split with ``official`` or treat cases as subjects); ``label``
the 0-based position of its class in ``@classLabel`` (``class_label`` keeps the original);
``split`` train/test for files named ``*_TRAIN.ts`` / ``*_TEST.ts``. The archive has no
frame rate: ``dataset.fps`` is required. Each case goes through ingest's checks (length,
share of frames with a missing ``?`` value) and is quarantined alone.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hawkeye.data.readers import generic
from hawkeye.data.readers.base import RecordingError, SourceError, source_files
from hawkeye.data.readers.registry import SkeletonFormat, register
from hawkeye.data.readers.uea_ts import TsDataset, read_ts
from hawkeye.landmarks.sequence import LandmarkSequence

if TYPE_CHECKING:
    from hawkeye.config import DatasetConfig
    from hawkeye.data.quarantine import Quarantine

NAME = "skeleton_ts"
PATTERNS = ("*.ts",)


@functools.lru_cache(maxsize=8)
def _ts(path: Path, stamp: tuple[int, int]) -> TsDataset:
    return read_ts(path)


def dataset(path: Path) -> TsDataset:
    """The ``.ts`` file at ``path`` (cached while its size and mtime stay)."""
    path = Path(path)
    if path.is_file() and (problem := generic.wrong_type(path, NAME)):
        raise SourceError(problem)
    st = path.stat()
    return _ts(path, (st.st_size, st.st_mtime_ns))


def case_points(data: TsDataset, index: int, spec: Mapping[str, Any]) -> np.ndarray:
    """Case ``index`` as float ``[length, joints, axes]`` (NaN where the file has ``?``)."""
    layout = generic.joint_layout(spec["layout_name"], data.source)
    dims = len(spec["axes"])
    channels = data.values.shape[1]
    if channels != layout.joints * dims:
        raise SourceError(
            f"{data.source.name}: {channels} channels, but layout {layout.name} has "
            f"{layout.joints} joints x {dims} axes = {layout.joints * dims}"
        )
    values = data.values[index]  # [channels, length]
    if spec["channel_order"] == "joint_major":
        cube = values.reshape(layout.joints, dims, -1).transpose(2, 0, 1)
    else:
        cube = values.reshape(dims, layout.joints, -1).transpose(2, 1, 0)
    return np.ascontiguousarray(cube)


def case_sequence(data: TsDataset, index: int, spec: Mapping[str, Any], fps: float) -> Any:
    return generic.sequence(
        data.source, case_points(data, index, spec), spec["layout_name"], fps, len(spec["axes"])
    )


def _split(path: Path) -> str | None:
    stem = path.stem.upper()
    return "train" if stem.endswith("_TRAIN") else "test" if stem.endswith("_TEST") else None


def manifest_rows(path: Path, quarantine: Quarantine | None, cfg: DatasetConfig) -> list[dict]:
    """A row a case of every ``.ts`` file at ``path``; a case that fails the checks goes to
    ``quarantine``. A file that cannot be read, or whose channels do not fit the layout,
    raises (every case of it would fail alike)."""
    if cfg.fps is None:
        raise SourceError("a .ts file has no frame rate: set dataset.fps")
    spec_text = generic.settings(cfg)
    spec = generic.read_settings({generic.READ_COLUMN: spec_text})
    rows = []
    for file in source_files(Path(path), PATTERNS):
        data = dataset(file)
        split = _split(file)
        for i, (label, code) in enumerate(zip(data.labels, data.label_codes(), strict=True)):
            sample = f"{file.stem}_{i:03d}"
            try:
                seq = case_sequence(data, i, spec, cfg.fps)
                generic.check(seq, Path(f"{file.name} case {i}"), cfg)
            except RecordingError as exc:
                if quarantine is None:
                    raise
                quarantine.add(sample, file, str(exc))
                continue
            rows.append(
                {
                    "sample_id": sample,
                    "subject_id": sample,
                    "task": cfg.task,
                    "side": "unknown",
                    "label": int(code),
                    "source": str(file.resolve()),
                    "fps": float(cfg.fps),
                    "dataset": cfg.name,
                    "layout": seq.layout,
                    "n_frames": seq.n_frames,
                    "case_index": i,
                    "class_label": str(label),
                    generic.READ_COLUMN: spec_text,
                    **({"split": split} if split else {}),
                }
            )
    return rows


def load(path: Path, row: Mapping[str, Any]) -> LandmarkSequence:
    """The sequence of one manifest row: case ``case_index`` of its file."""
    spec = generic.read_settings(row)
    return case_sequence(dataset(path), int(row["case_index"]), spec, float(row["fps"]))


FORMAT = register(
    SkeletonFormat(
        name=NAME,
        description="Any UEA/aeon multivariate .ts file, channels = dataset.layout's joints x axes",
        patterns=PATTERNS,
        manifest_rows=manifest_rows,  # type: ignore[arg-type]  # configured: takes cfg
        load_sequence=load,
        reload_columns=("case_index", generic.READ_COLUMN),
        configured=True,
    )
)
