"""Public skeleton formats as ``dataset.format``: manifest rows at ingest, sequences at landmark.

``keraal``, ``uiprmd``, ``msr_action3d`` and ``natops`` read the files as
their authors publish them (see :mod:`hawkeye.data.readers`). ``dataset.path``
is the data folder; for ``keraal`` and ``uiprmd`` it may also be one file or a
glob (``data/raw/keraal/**/G*-Kinect-CTK-*.txt``: one modality and exercise out
of a folder that holds all of them), for ``natops`` the folder with
``NATOPS_TRAIN.ts`` and ``NATOPS_TEST.ts`` or one of those files.

Every file is read once at ingest (a file the reader refuses goes to the
quarantine with the reader's reason, and the row gets ``n_frames``) and again
at the landmark step, which keeps the manifest small and the readers the only
place that knows a format.

Columns beyond the contract, per format:

- keraal: ``group``, ``modality``, ``recording_key``, ``trial``, ``site``,
  ``recording_id``, ``correct``, ``body_part_code`` (group-3 names), plus
  ``error_type`` (correct, error1-3, incomplete, motionless, other),
  ``body_part`` and ``segments`` (JSON list of the annotated time spans) from
  an Anvil annotation when one matches. Groups 1A/2A carry their label only in
  Anvil files: a recording is matched to ``<name>.anvil`` anywhere under the
  data folder whose name, with or without its modality token, equals the
  recording's name without its modality (``G1A-CTK-S01-12`` for
  ``G1A-Kinect-CTK-S01-12.txt``); the first match in path order wins
  (``annotatorA/`` before ``annotatorB/``), ``annotation`` names it. This
  naming is an assumption (no labelled group-1A/2A file is in the public
  samples); a recording without one is quarantined with the reader's reason.
- uiprmd: ``movement``, ``episode``, ``coordinates`` (see its module note).
- msr_action3d: ``action`` (1-20), ``action_name``, ``episode``, ``in_cvpr12``
  and ``split``: the cross-subject protocol (odd subjects train, even test).
- natops: ``split`` (the archive's train/test files), ``case_index``,
  ``class_label``, ``class_name``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from hawkeye.data.errors import DatasetError
from hawkeye.data.quarantine import Quarantine
from hawkeye.data.readers import anvil, keraal, msr_action3d, natops, uea_ts, uiprmd
from hawkeye.data.readers.base import SourceError, collect_rows, list_files
from hawkeye.landmarks.sequence import LandmarkError, LandmarkSequence
from hawkeye.paths import portable_path, resolve_data_path, shared_data_dir

FORMATS = ("keraal", "uiprmd", "msr_action3d", "natops")
_GLOB = re.compile(r"[*?\[]")

# MSR Action3D cross-subject protocol (Li et al. 2010; Wang et al. 2012): odd subjects train.
MSR_TRAIN_SUBJECTS = frozenset({"s01", "s03", "s05", "s07", "s09"})
ERROR_TYPES = {code: name.lower() for name, code in anvil.RECORDING_CODES.items()}


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
    if path.is_file():
        return [path]
    return list_files(path, *patterns)


def data_root(path: Path) -> Path:
    """The folder a dataset path lives in (the part of a glob before its first wildcard)."""
    parts = Path(path).parts
    fixed = next((i for i, part in enumerate(parts) if _GLOB.search(part)), len(parts))
    root = Path(*parts[:fixed])
    return root if root.is_dir() else root.parent


def manifest_rows(fmt: str, path: Path, quarantine: Quarantine) -> list[dict[str, Any]]:
    """Manifest rows of every recording at ``path``; refused files go to ``quarantine``."""
    if fmt == "natops":
        return _natops_rows(path)
    if fmt == "uiprmd":
        files = source_files(path, ("m*_positions*.txt", "m*_positions*.txt.gz"))
        return collect_rows(files, lambda p: uiprmd.manifest_row(p, read=True), quarantine)
    if fmt == "msr_action3d":
        files = source_files(path, ("a*_s*_e*_skeleton3D.txt",))
        return collect_rows(files, _msr_row, quarantine)
    if fmt == "keraal":
        files = source_files(path, ("G*.txt", "G*.json"))
        return collect_rows(files, _keraal_row_reader(data_root(path)), quarantine)
    raise ValueError(f"unknown skeleton format {fmt!r}; known: {FORMATS}")


def load_sequence(fmt: str, row: pd.Series) -> LandmarkSequence:
    """The landmark sequence of one manifest row; any reader error as a LandmarkError."""
    path = resolve_data_path(str(row["source"]))
    try:
        if fmt == "natops":
            return natops.case_sequence(_ts(path), int(row["case_index"]), float(row["fps"]))
        if fmt == "keraal":
            return keraal.read_keraal(path, fps=float(row["fps"])).sequence
        if fmt == "uiprmd":
            return uiprmd.read_uiprmd(path, fps=float(row["fps"])).sequence
        if fmt == "msr_action3d":
            return msr_action3d.read_msr_action3d(path, fps=float(row["fps"])).sequence
    except (DatasetError, OSError) as exc:
        raise LandmarkError(str(exc)) from exc
    raise ValueError(f"unknown skeleton format {fmt!r}; known: {FORMATS}")


def fingerprint(fmt: str, path: Path) -> str:
    """md5 over the name, size and mtime of every file a skeleton dataset reads.

    For ``hawkeye.data.fingerprint.dataset_fingerprint``: a folder or glob is no
    file to hash, and an added or edited recording must miss the step cache.
    """
    patterns = {
        "natops": tuple(natops.SPLITS.values()),
        "uiprmd": ("m*_positions*.txt", "m*_positions*.txt.gz"),
        "msr_action3d": ("a*_s*_e*_skeleton3D.txt", msr_action3d.USED_LIST),
        "keraal": ("G*.txt", "G*.json"),
    }[fmt]
    digest = hashlib.md5()
    try:
        files = source_files(path, patterns)
    except SourceError:
        return "missing"
    if fmt == "keraal":  # annotations anywhere under the data folder label the recordings
        root = data_root(path)
        files += sorted(root.rglob("*.anvil")) + sorted(root.rglob("keraalSpec.xml"))
    for file in files:
        st = file.stat()
        digest.update(f"{file.as_posix()}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()


def source_reference(path: str | Path) -> str:
    """``shared:REL`` under the shared data folder, else relative to the project when inside.

    Manifests then hold the same text on every clone, wherever the shared data lives.
    """
    resolved = Path(path).resolve()
    try:
        return "shared:" + resolved.relative_to(shared_data_dir().resolve()).as_posix()
    except ValueError:
        return portable_path(resolved)


@functools.lru_cache(maxsize=4)
def _ts(path: Path) -> uea_ts.TsDataset:
    return uea_ts.read_ts(path)


def _natops_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of the folder's two files, or of one ``NATOPS_TRAIN.ts`` / ``NATOPS_TEST.ts``."""
    if path.is_dir():
        return natops.manifest_rows(path)
    split = next((s for s, name in natops.SPLITS.items() if name == path.name), None)
    if not path.is_file() or split is None:
        raise SourceError(
            f"{path}: give the NATOPS folder or one of {sorted(natops.SPLITS.values())}"
        )
    return natops.split_rows(path, split, _ts(path))


def _msr_row(path: Path) -> dict[str, Any]:
    listing = path.parent / msr_action3d.USED_LIST
    used = _used_list(listing) if listing.is_file() else None
    row = msr_action3d.manifest_row(path, read=True, used=used)
    row["split"] = "train" if row["subject_id"] in MSR_TRAIN_SUBJECTS else "test"
    return row


@functools.lru_cache(maxsize=8)
def _used_list(listing: Path) -> set[str]:
    return {name.removesuffix("_skeleton3D.txt") for name in listing.read_text().split()}


# ---- KERAAL: labels from the file name (group 3) or an Anvil annotation (groups 1A/2A) ----


def _name_key(stem: str) -> list[str]:
    """Keys an annotation file answers to: its name without, and with, a modality token."""
    tokens = re.split(r"[-_]", stem)
    return ["-".join(tokens[:1] + tokens[2:]), "-".join(tokens)]


def _keraal_row_reader(root: Path) -> Callable[[Path], dict[str, Any]]:
    annotations: dict[str, Path] = {}
    for path in sorted(root.rglob("*.anvil")):
        for key in _name_key(path.stem):
            annotations.setdefault(key, path)
    specs = sorted(root.rglob("keraalSpec.xml"))
    spec = anvil.read_spec(specs[0]) if specs else None
    return lambda path: _keraal_row(path, annotations, spec)


def _keraal_row(
    path: Path, annotations: dict[str, Path], spec: anvil.Spec | None
) -> dict[str, Any]:
    name = keraal.parse_name(path)
    note = annotations.get(name.recording_key)
    segments = anvil.read_annotation(note, spec) if note is not None else None
    if name.label is None and segments is not None:
        label = anvil.recording_label(segments, note.name)
        row = keraal.manifest_row(path, read=True, label=label)
    else:
        row = keraal.manifest_row(path, read=True)  # raises LabelError for unlabelled names
    row["error_type"] = ERROR_TYPES.get(int(row["label"]), str(row["label"]))
    body = [s.body_part for s in segments or [] if s.track == "Global error" and s.body_part]
    row["body_part"] = body[0] if body else None
    row["segments"] = (
        json.dumps(
            [
                {"track": s.track, "start": s.start, "end": s.end, "label": s.label} | s.attributes
                for s in segments
            ]
        )
        if segments is not None
        else None
    )
    row["annotation"] = str(note) if note is not None else None
    return row
