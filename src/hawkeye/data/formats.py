"""Public skeleton formats as ``dataset.format``: manifest rows at ingest, sequences at landmark.

Every format is a :class:`~hawkeye.data.readers.registry.SkeletonFormat`
declared by its reader module (``keraal``, ``uiprmd``, ``msr_action3d``,
``natops``; see :mod:`hawkeye.data.readers`); this module looks formats up and
holds what is generic. ``dataset.path`` is the data folder, one file or a glob
(``data/raw/keraal/**/G*-Kinect-CTK-*.txt``: one modality and exercise out of a
folder that holds all of them); for ``natops`` the folder with
``NATOPS_TRAIN.ts`` and ``NATOPS_TEST.ts`` or one of those files.

Every file is read once at ingest (a file the reader refuses goes to the
quarantine with the reader's reason, and the row gets ``n_frames``) and again
at the landmark step, which keeps the manifest small and the readers the only
place that knows a format. :func:`load_recording` is the one way from a
manifest or feature-table row to its ``LandmarkSequence``, for the feature
extractors and the sequence models alike.

Columns beyond the contract, per format (each reader module's note says more):

- keraal: ``group``, ``modality``, ``recording_key``, ``trial``, ``site``,
  ``recording_id``, ``correct``, ``body_part_code`` (group-3 names), plus
  ``error_type``, ``body_part``, ``segments`` and ``annotation`` from an Anvil
  annotation when one matches (groups 1A/2A are labelled only there).
- uiprmd, uiprmd_absolute, uiprmd_angles: ``movement``, ``episode``, ``coordinates``
  (see its module note: offsets as stored, forward kinematics, the joint angles).
- msr_action3d: ``action`` (1-20), ``action_name``, ``episode``, ``in_cvpr12``
  and ``split``: the cross-subject protocol (odd subjects train, even test).
- natops: ``split`` (the archive's train/test files), ``case_index``,
  ``class_label``, ``class_name``.
- skeleton_table, skeleton_ts (generic, read as ``dataset.layout``/``dataset.skeleton``
  declare): ``n_frames``, ``skeleton_read`` (the reading settings, JSON), and for .ts
  ``case_index``, ``class_label``, ``split`` (``*_TRAIN``/``*_TEST`` files).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from hawkeye.data.errors import DatasetError
from hawkeye.data.quarantine import Quarantine
from hawkeye.data.readers import generic, registry
from hawkeye.data.readers.base import SourceError, data_root, source_files
from hawkeye.data.readers.registry import SkeletonFormat
from hawkeye.landmarks import sequence as landmarks
from hawkeye.landmarks.sequence import LandmarkError, LandmarkSequence
from hawkeye.paths import portable_path, resolve_data_path, shared_data_dir

if TYPE_CHECKING:
    from hawkeye.config import DatasetConfig

__all__ = [
    "FORMATS",
    "data_root",
    "files_fingerprint",
    "fingerprint",
    "get",
    "load_recording",
    "load_sequence",
    "manifest_rows",
    "source_files",
    "source_reference",
]

# The registered format names, a live view: ``fmt in FORMATS``.
FORMATS = registry.FORMATS


def get(fmt: str) -> SkeletonFormat:
    """The registered format ``fmt``; an error listing the known ones otherwise."""
    return registry.get(fmt)


def manifest_rows(
    fmt: str, path: Path, quarantine: Quarantine, cfg: DatasetConfig | None = None
) -> list[dict[str, Any]]:
    """Manifest rows of every recording at ``path``; refused files go to ``quarantine``.

    A ``configured`` format (``skeleton_table``, ``skeleton_ts``) is read as ``cfg``
    (the dataset configuration) declares, and needs it.
    """
    reader = get(fmt)
    if reader.configured:
        if cfg is None:
            raise ValueError(f"format {fmt} reads as the dataset configuration says: pass cfg")
        return reader.manifest_rows(path, quarantine, cfg)  # type: ignore[call-arg]
    return reader.manifest_rows(path, quarantine)


def load_sequence(fmt: str, row: Mapping[str, Any]) -> LandmarkSequence:
    """The landmark sequence of one manifest row; any reader error as a LandmarkError."""
    reader = get(fmt)
    path = resolve_data_path(str(row["source"]))
    try:
        return reader.load_sequence(path, row)
    except (DatasetError, OSError) as exc:
        raise LandmarkError(str(exc)) from exc


def load_recording(
    row: Mapping[str, Any],
    fmt: str | None = None,
    default_layout: str | Callable[[Path], str] = "mediapipe_hand_21",
    default_fps: float | None = None,
) -> LandmarkSequence:
    """The landmark sequence of one manifest or feature-table row, whatever its format.

    ``fmt`` (``dataset.format``; without it, the row's own ``format`` column) names a
    registered skeleton format: its reader reads the recording. Anything else is a
    ``.npy``/``.npz`` landmark file at ``source`` with the row's ``layout`` (else
    ``default_layout``, a name or a function of the file), ``fps`` (else
    ``default_fps``, else the file's own), ``width``, ``height`` and ``duration``.
    Every failure is a :class:`LandmarkError` saying why.
    """
    if fmt is None:
        fmt = row.get("format")
    if isinstance(fmt, str) and fmt in FORMATS:
        return load_sequence(fmt, row)
    path = resolve_data_path(str(row["source"]))
    if path.is_file() and (problem := generic.wrong_type(path, "hawkeye")):
        raise LandmarkError(problem)  # a table or .ts file given to the array reader
    layout = row.get("layout")
    if not (isinstance(layout, str) and layout):
        if callable(default_layout):
            if not path.is_file():
                raise LandmarkError(f"landmark file not found: {path}")
            default_layout = default_layout(path)
        layout = default_layout
    fps = row.get("fps")
    if default_fps is not None and (fps is None or pd.isna(fps)):
        fps = default_fps
    return landmarks.load_sequence(
        path,
        layout,
        fps,
        width=row.get("width"),
        height=row.get("height"),
        duration=row.get("duration"),
    )


def files_fingerprint(files: list[Path]) -> str:
    """md5 over the name, size and mtime of each file (content is too slow for datasets)."""
    digest = hashlib.md5()
    for file in files:
        st = file.stat()
        digest.update(f"{file.as_posix()}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()


def fingerprint(fmt: str, path: Path) -> str:
    """md5 over the name, size and mtime of every file a skeleton dataset reads.

    For ``hawkeye.data.fingerprint.dataset_fingerprint``: a folder or glob is no
    file to hash, and an added or edited recording must miss the step cache.
    """
    reader = get(fmt)
    try:
        files = reader.fingerprinted(path)
    except SourceError:
        return "missing"
    return files_fingerprint(files)


def source_reference(path: str | Path) -> str:
    """``shared:REL`` under the shared data folder, else relative to the project when inside.

    Manifests then hold the same text on every clone, wherever the shared data lives.
    """
    resolved = Path(path).resolve()
    try:
        return "shared:" + resolved.relative_to(shared_data_dir().resolve()).as_posix()
    except ValueError:
        return portable_path(resolved)
