"""KERAAL therapist annotations: Anvil ``.anvil`` XML checked against ``keraalSpec.xml``.

The spec (KERAAL ``annotate_videos/keraalSpec.xml``) declares three tracks:
``Global evaluation`` (attribute ``evaluation``: Correct, Incorrect,
Incomplete, Motionless), ``Global error`` and ``Temporal error`` (attributes
``type``: Error1-3/Other, plus ``none`` for the global track; ``Evaluation``:
SmallError/LargeError; ``bodyPart``: LeftArm, RightArm, BothArms, Spine). An
annotation file, as KERAAL's ``createAnvil.py`` writes it, holds
``<track name=...><el index= start= end=><attribute name=...>value`` with
times in seconds. The shared data has the spec but no annotation file, so
the annotation reader is tested on files written the way ``createAnvil.py``
writes them.

Segments are kept as a list (a recording may hold several temporal errors);
:func:`frame_labels` turns them into one label a frame for sequence models.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hawkeye.data.readers.base import LabelError

# The attribute that names a segment's label in each track.
MAIN_ATTRIBUTE = {
    "Global evaluation": "evaluation",
    "Global error": "type",
    "Temporal error": "type",
}

# KERAAL's own coding (readAnnotationFile in evaluation_mouvements_lstm_python):
# 0 correct, 1-3 Error1-3, 4 Incomplete, 5 Motionless. "Other" is not coded
# there; 6 keeps 0-5 identical to theirs.
RECORDING_CODES = {"Correct": 0, "Error1": 1, "Error2": 2, "Error3": 3, "Incomplete": 4}
RECORDING_CODES |= {"Motionless": 5, "Other": 6}

Spec = dict[str, dict[str, tuple[str, ...]]]  # track -> attribute -> allowed values


@dataclass(frozen=True)
class Segment:
    """One annotated time span: ``label`` is the track's main attribute (see MAIN_ATTRIBUTE)."""

    track: str
    start: float  # seconds
    end: float  # seconds
    label: str
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def body_part(self) -> str | None:
        return self.attributes.get("bodyPart")

    @property
    def severity(self) -> str | None:
        return self.attributes.get("Evaluation")


def read_spec(path: Path) -> Spec:
    """Allowed values of every attribute of every track in an Anvil ``annotation-spec``."""
    root = _parse(path)
    spec: Spec = {}
    for track in root.iter("track-spec"):
        spec[track.get("name", "")] = {
            attr.get("name", ""): tuple((v.text or "").strip() for v in attr.iter("value-el"))
            for attr in track.iter("attribute")
        }
    if not spec:
        raise LabelError(f"{Path(path).name}: no <track-spec> in the annotation spec")
    return spec


def read_annotation(path: Path, spec: Spec | None = None) -> list[Segment]:
    """Segments of an ``.anvil`` file, in file order; values checked against ``spec`` if given."""
    path = Path(path)
    segments = []
    for track in _parse(path).iter("track"):
        name = track.get("name", "")
        if name not in MAIN_ATTRIBUTE or (spec is not None and name not in spec):
            raise LabelError(f"{path.name}: unknown track {name!r}")
        for el in track.iter("el"):
            where = f"{path.name}: track {name!r} el {el.get('index')!r}"
            attributes = {a.get("name", ""): (a.text or "").strip() for a in el.iter("attribute")}
            _check_values(where, attributes, spec[name] if spec is not None else None)
            if not attributes.get(MAIN_ATTRIBUTE[name]):
                raise LabelError(f"{where}: no {MAIN_ATTRIBUTE[name]!r} attribute")
            start, end = _time(where, el, "start"), _time(where, el, "end")
            if end < start:
                raise LabelError(f"{where}: end {end} is before start {start}")
            segments.append(Segment(name, start, end, attributes[MAIN_ATTRIBUTE[name]], attributes))
    return segments


def recording_label(segments: list[Segment], source: str = "annotation") -> int:
    """The recording's class in KERAAL's coding (see RECORDING_CODES) from its global tracks."""
    evaluation = [s.label for s in segments if s.track == "Global evaluation"]
    if not evaluation:
        raise LabelError(f"{source}: no 'Global evaluation' segment")
    value = evaluation[0]
    if value == "Incorrect":
        errors = [s.label for s in segments if s.track == "Global error" and s.label != "none"]
        if not errors:
            raise LabelError(f"{source}: evaluation is Incorrect but no 'Global error' type is set")
        value = errors[0]
    if value not in RECORDING_CODES:
        raise LabelError(f"{source}: unknown label {value!r}; known: {list(RECORDING_CODES)}")
    return RECORDING_CODES[value]


def frame_labels(
    segments: list[Segment],
    fps: float,
    n_frames: int,
    track: str = "Temporal error",
    background: str = "none",
) -> np.ndarray:
    """One label a frame: frame ``i`` (at ``i / fps`` s) gets the label of the segment of
    ``track`` with ``start <= t < end``, later segments winning overlaps, else ``background``.
    """
    if not fps > 0 or n_frames < 0:
        raise ValueError(f"need fps > 0 and n_frames >= 0, got fps={fps}, n_frames={n_frames}")
    times = np.arange(n_frames) / fps
    labels = np.full(n_frames, background, dtype=object)
    for segment in segments:
        if segment.track == track:
            labels[(times >= segment.start) & (times < segment.end)] = segment.label
    return labels


def _parse(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise LabelError(f"{Path(path).name}: not a readable XML file ({exc})") from exc


def _check_values(
    where: str, attributes: dict[str, str], allowed: dict[str, tuple[str, ...]] | None
) -> None:
    if allowed is None:
        return
    for name, value in attributes.items():
        if name not in allowed:
            raise LabelError(f"{where}: attribute {name!r} is not in the spec")
        if value not in allowed[name]:
            raise LabelError(f"{where}: unknown {name} {value!r}; allowed: {list(allowed[name])}")


def _time(where: str, el: ET.Element, key: str) -> float:
    try:
        value = float(el.get(key, ""))
    except ValueError:
        raise LabelError(f"{where}: {key}={el.get(key)!r} is not a time in seconds") from None
    if not math.isfinite(value) or value < 0:
        raise LabelError(f"{where}: {key}={value} is not a time >= 0")
    return value
