"""KERAAL file names, the reader for each modality, and manifest rows.

Group-3 names, as the sample files spell them::

    G3-Kinect-CTK-P1T1-Unknown-C-0.txt
    group-modality-exercise-P<participant>T<trial>-<site>-<label>-<recording>

``readme_files_format.txt`` writes ``G3_Modality_ExerciseName_
ParticipantIdTrialId_label_RecordingId`` with ``_``, but the files use ``-``
and carry one more token before the label ("Unknown" in every sample); both
separators are accepted. We read that token as the site because group-1/2
names elsewhere carry the rehabilitation centre there; it is kept as a column
and used for nothing else.

Labels (group 3): ``C`` is a correct execution -> ``label`` 0; ``E<k>B<b>`` is
error type k (1-3) on body part b -> ``label`` k. This is KERAAL's own coding
(``evaluation_mouvements_lstm_python``: 0 correct, k = Error k). The sample
files only show ``C``; ``E<k>B<b>`` follows the Error/Bodypart naming of
KERAAL's code and is not verified on real files here.

Groups 1A/1B/2A/2B follow the readme's ``GroupId-Modality-ExerciseName-
SubjectId-RecordingId``; no sample shows them. Their names carry no label
(1A/2A are labelled in Anvil files, 1B/2B not at all), so a manifest row for
them raises :class:`LabelError` and lands in the quarantine.

As ``dataset.format: keraal`` (:data:`FORMAT`), rows also get ``error_type``
(correct, error1-3, incomplete, motionless, other), ``body_part`` and
``segments`` (JSON list of the annotated time spans) from an Anvil annotation
when one matches. Groups 1A/2A carry their label only in Anvil files: a
recording is matched to ``<name>.anvil`` anywhere under the data folder whose
name, with or without its modality token, equals the recording's name without
its modality (``G1A-CTK-S01-12`` for ``G1A-Kinect-CTK-S01-12.txt``); the first
match in path order wins (``annotatorA/`` before ``annotatorB/``),
``annotation`` names it. This naming is an assumption (no labelled
group-1A/2A file is in the public samples); a recording without one is
quarantined with the reader's reason.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hawkeye.data.quarantine import Quarantine
from hawkeye.data.readers import anvil
from hawkeye.data.readers.base import (
    LabelError,
    Recording,
    collect_rows,
    data_root,
    list_files,
    source_files,
)
from hawkeye.data.readers.keraal_json import (
    VIDEO_FPS,
    read_alphapose,
    read_blazepose,
    read_openpose,
)
from hawkeye.data.readers.keraal_tables import (
    KINECT_FPS,
    VICON_FPS,
    read_kinect,
    read_vicon,
)
from hawkeye.data.readers.registry import SkeletonFormat, register
from hawkeye.landmarks.sequence import LandmarkSequence

DATASET = "keraal"
EXERCISES = ("CTK", "ELK", "RTK")
PATTERNS = ("G*.txt", "G*.json")
ERROR_TYPES = {code: name.lower() for name, code in anvil.RECORDING_CODES.items()}

# Modality token in the name -> (reader, layout, default fps).
MODALITIES: dict[str, tuple[Callable[..., Recording], str, float]] = {
    "Kinect": (read_kinect, "kinect_v2_25", KINECT_FPS),
    "Vicon": (read_vicon, "keraal_vicon_17", VICON_FPS),
    "OP": (read_openpose, "coco_18", VIDEO_FPS),
    "BP": (read_blazepose, "mediapipe_pose_33", VIDEO_FPS),
    "AP": (read_alphapose, "coco_17", VIDEO_FPS),
}

_G3 = re.compile(
    r"G3[-_](?P<modality>[A-Za-z]+)[-_](?P<exercise>[A-Za-z]+)[-_]P(?P<participant>\d+)"
    r"T(?P<trial>\d+)[-_](?P<site>[^-_]+)[-_](?P<label>[^-_]+)[-_](?P<recording>\d+)"
)
_G12 = re.compile(
    r"G(?P<group>[12][AB])[-_](?P<modality>[A-Za-z]+)[-_](?P<exercise>[A-Za-z]+)[-_]"
    r"(?P<subject>.+)[-_](?P<recording>[^-_]+)"
)
_ERROR = re.compile(r"E(?P<error>[1-3])B(?P<body>\d+)")


@dataclass(frozen=True)
class KeraalName:
    """What a KERAAL file name says; ``label`` is None where the name carries none."""

    group: str
    modality: str
    exercise: str
    subject_id: str
    trial: str | None
    site: str | None
    recording_id: str
    label: int | None
    body_part_code: int | None
    recording_key: str  # the name without its modality: shared by all modalities of a take


def parse_name(path: Path) -> KeraalName:
    """Fields of a KERAAL file name; :class:`LabelError` naming the file when they do not fit."""
    stem = Path(path).name.split(".")[0]
    if match := _G3.fullmatch(stem):
        label, body = _group3_label(stem, match["label"])
        fields = {
            "group": "3",
            "subject_id": f"G3-P{match['participant']}",
            "trial": match["trial"],
            "site": match["site"],
            "label": label,
            "body_part_code": body,
        }
    elif match := _G12.fullmatch(stem):
        fields = {
            "group": match["group"],
            "subject_id": f"G{match['group']}-{match['subject']}",
            "trial": None,
            "site": None,
            "label": None,
            "body_part_code": None,
        }
    else:
        raise LabelError(f"{Path(path).name}: not a KERAAL file name (G3-Kinect-CTK-P1T1-...)")
    if match["modality"] not in MODALITIES:
        raise LabelError(
            f"{Path(path).name}: unknown modality {match['modality']!r}; known: {list(MODALITIES)}"
        )
    if match["exercise"] not in EXERCISES:
        raise LabelError(f"{Path(path).name}: unknown exercise {match['exercise']!r}")
    tokens = re.split(r"[-_]", stem)
    return KeraalName(
        modality=match["modality"],
        exercise=match["exercise"],
        recording_id=match["recording"],
        recording_key="-".join(tokens[:1] + tokens[2:]),
        **fields,
    )


def _group3_label(stem: str, token: str) -> tuple[int, int | None]:
    if token == "C":
        return 0, None
    if error := _ERROR.fullmatch(token):
        return int(error["error"]), int(error["body"])
    raise LabelError(f"{stem}: unknown label {token!r} (expected C or E<1-3>B<n>)")


def read_keraal(path: Path, fps: float | None = None) -> Recording:
    """Read any KERAAL skeleton file, choosing the reader from the modality in its name."""
    reader, _, default_fps = MODALITIES[parse_name(path).modality]
    return reader(path, fps=default_fps if fps is None else fps)


def manifest_row(path: Path, read: bool = False, label: int | None = None) -> dict[str, Any]:
    """One manifest row; ``read=True`` also reads the file and adds ``n_frames``.

    ``label`` overrides the name's own (groups 1A/2A are labelled in Anvil files).
    """
    name = parse_name(path)
    if label is not None:
        name = dataclasses.replace(name, label=label, body_part_code=None)
    if name.label is None:
        raise LabelError(
            f"{Path(path).name}: group {name.group} names carry no label "
            "(1A/2A are labelled in Anvil annotation files, 1B/2B are unlabelled)"
        )
    _, layout, fps = MODALITIES[name.modality]
    row: dict[str, Any] = {
        "sample_id": Path(path).name.split(".")[0],
        "subject_id": name.subject_id,
        "task": name.exercise,
        "side": "unknown",
        "label": name.label,
        "source": str(path),
        "fps": fps,
        "dataset": DATASET,
        "layout": layout,
        "group": name.group,
        "modality": name.modality,
        "recording_key": name.recording_key,
        "trial": name.trial,
        "site": name.site,
        "recording_id": name.recording_id,
        "correct": name.label == 0,
        "body_part_code": name.body_part_code,
    }
    if read:
        row["n_frames"] = read_keraal(path).sequence.n_frames
    return row


def manifest_rows(
    folder: Path, quarantine: Quarantine | None = None, read: bool = False
) -> list[dict[str, Any]]:
    """Rows for every ``G*.txt`` / ``G*.json`` under ``folder`` (one a file and modality)."""
    files = list_files(folder, *PATTERNS)
    return collect_rows(files, lambda p: manifest_row(p, read=read), quarantine)


# ---- dataset.format: keraal; labels from the name (group 3) or an Anvil file (1A/2A) ----


def _name_key(stem: str) -> list[str]:
    """Keys an annotation file answers to: its name without, and with, a modality token."""
    tokens = re.split(r"[-_]", stem)
    return ["-".join(tokens[:1] + tokens[2:]), "-".join(tokens)]


def annotated_row_reader(root: Path) -> Callable[[Path], dict[str, Any]]:
    """A row reader that labels recordings from the Anvil annotations under ``root``."""
    annotations: dict[str, Path] = {}
    for path in sorted(root.rglob("*.anvil")):
        for key in _name_key(path.stem):
            annotations.setdefault(key, path)
    specs = sorted(root.rglob("keraalSpec.xml"))
    spec = anvil.read_spec(specs[0]) if specs else None
    return lambda path: annotated_row(path, annotations, spec)


def annotated_row(
    path: Path, annotations: dict[str, Path], spec: anvil.Spec | None
) -> dict[str, Any]:
    """One manifest row plus what its Anvil annotation (if any) says."""
    name = parse_name(path)
    note = annotations.get(name.recording_key)
    segments = anvil.read_annotation(note, spec) if note is not None else None
    if name.label is None and segments is not None:
        label = anvil.recording_label(segments, note.name)
        row = manifest_row(path, read=True, label=label)
    else:
        row = manifest_row(path, read=True)  # raises LabelError for unlabelled names
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


def dataset_rows(path: Path, quarantine: Quarantine | None = None) -> list[dict[str, Any]]:
    """Rows of every KERAAL file at ``path`` (folder, file or glob), Anvil labels included."""
    return collect_rows(
        source_files(path, PATTERNS), annotated_row_reader(data_root(path)), quarantine
    )


def fingerprint_files(path: Path) -> list[Path]:
    """The recordings, plus the annotations anywhere under the data folder that label them."""
    root = data_root(path)
    files = source_files(path, PATTERNS)
    return files + sorted(root.rglob("*.anvil")) + sorted(root.rglob("keraalSpec.xml"))


def load(path: Path, row: Mapping[str, Any]) -> LandmarkSequence:
    """The sequence of one manifest row (the modality's reader, from the file name)."""
    return read_keraal(path, fps=float(row["fps"])).sequence


FORMAT = register(
    SkeletonFormat(
        name=DATASET,
        description="KERAAL rehabilitation exercises: Kinect, Vicon, OpenPose, BlazePose, "
        "AlphaPose files, labels from names or Anvil annotations",
        patterns=PATTERNS,
        manifest_rows=dataset_rows,
        load_sequence=load,
        fingerprint_files=fingerprint_files,
    )
)
