"""KERAAL Anvil annotations: the real spec, annotation files as createAnvil.py writes them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hawkeye.data.ingest import DatasetError
from hawkeye.data.readers.anvil import (
    Segment,
    frame_labels,
    read_annotation,
    read_spec,
    recording_label,
)
from hawkeye.data.readers.base import LabelError

SPEC = """<?xml version="1.0" encoding="ISO-8859-1"?>
<annotation-spec><body>
  <track-spec name="Global evaluation" type="primary">
    <attribute name="evaluation"><value-el>Correct</value-el><value-el>Incorrect</value-el>
    </attribute></track-spec>
  <track-spec name="Global error" type="primary">
    <attribute name="type"><value-el>none</value-el><value-el>Error1</value-el></attribute>
    <attribute name="bodyPart"><value-el>LeftArm</value-el></attribute></track-spec>
  <track-spec name="Temporal error" type="primary">
    <attribute name="type"><value-el>Error1</value-el><value-el>Error2</value-el></attribute>
    <attribute name="bodyPart"><value-el>LeftArm</value-el><value-el>Spine</value-el></attribute>
  </track-spec>
</body></annotation-spec>
"""


def _el(index: int, start: str, end: str, **attrs: str) -> str:
    body = "".join(f'<attribute name="{k}">{v}</attribute>' for k, v in attrs.items())
    return f'<el index="{index}" start="{start}" end="{end}">{body}</el>'


def _annotation(tmp_path: Path, temporal: str = "", evaluation: str = "Incorrect") -> Path:
    path = tmp_path / "Vid001.anvil"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<annotation><head>'
        '<specification src="../keraalSpec.xml" /><video src="Vid001.mp4" master="true" />'
        "</head><body>"
        f'<track name="Global evaluation" type="primary">'
        f"{_el(0, '0', '6.53', evaluation=evaluation)}</track>"
        f'<track name="Global error" type="primary">'
        f"{_el(0, '0', '6.53', type='Error1', bodyPart='LeftArm')}</track>"
        f'<track name="Temporal error" type="primary">{temporal}</track>'
        "</body></annotation>"
    )
    return path


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "spec.xml"
    path.write_text(SPEC, encoding="iso-8859-1")
    return path


@pytest.mark.real_data
def test_real_keraal_spec(shared_data: Path) -> None:
    path = shared_data / "keraal" / "keraalSpec.xml"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    spec = read_spec(path)
    assert set(spec) == {"Global evaluation", "Global error", "Temporal error"}
    assert spec["Global evaluation"]["evaluation"] == (
        "Correct",
        "Incorrect",
        "Incomplete",
        "Motionless",
    )
    assert spec["Global error"]["type"] == ("none", "Error1", "Error2", "Error3", "Other")
    assert spec["Temporal error"]["bodyPart"] == ("LeftArm", "RightArm", "BothArms", "Spine")
    assert spec["Temporal error"]["Evaluation"] == ("SmallError", "LargeError")


def test_segments_labels_and_frames(tmp_path: Path, spec_file: Path) -> None:
    temporal = _el(0, "1.0", "2.0", type="Error1", bodyPart="LeftArm") + _el(
        1, "3.5", "4.0", type="Error2", bodyPart="Spine"
    )
    segments = read_annotation(_annotation(tmp_path, temporal), read_spec(spec_file))
    assert [s.track for s in segments] == ["Global evaluation", "Global error"] + [
        "Temporal error"
    ] * 2
    assert segments[2] == Segment(
        "Temporal error", 1.0, 2.0, "Error1", {"type": "Error1", "bodyPart": "LeftArm"}
    )
    assert segments[3].body_part == "Spine" and segments[3].severity is None
    assert recording_label(segments) == 1

    labels = frame_labels(segments, fps=2.0, n_frames=10)
    assert (
        labels.tolist() == ["none"] * 2 + ["Error1"] * 2 + ["none"] * 3 + ["Error2"] + ["none"] * 2
    )
    assert frame_labels(segments, 2.0, 3, track="Global evaluation").tolist() == ["Incorrect"] * 3
    correct = read_annotation(_annotation(tmp_path, evaluation="Correct"))
    assert recording_label(correct) == 0
    assert len(frame_labels(correct, 30.0, 0)) == 0


@pytest.mark.parametrize(
    ("temporal", "reason"),
    [
        (_el(0, "1", "2", type="Error9"), r"el '0': unknown type 'Error9'"),
        (_el(3, "1", "2", type="Error1", colour="red"), r"el '3': attribute 'colour'"),
        (_el(0, "2", "1", type="Error1"), "end 1.0 is before start 2.0"),
        (_el(0, "x", "1", type="Error1"), "start='x' is not a time"),
        (_el(0, "1", "2", bodyPart="Spine"), "no 'type' attribute"),
    ],
)
def test_bad_annotations_raise(tmp_path: Path, spec_file: Path, temporal: str, reason: str) -> None:
    with pytest.raises(LabelError, match=reason) as info:
        read_annotation(_annotation(tmp_path, temporal), read_spec(spec_file))
    assert "Vid001.anvil" in str(info.value)
    assert isinstance(info.value, DatasetError)  # what ingest's quarantine catches


def test_unreadable_files_and_unknown_labels(tmp_path: Path) -> None:
    broken = tmp_path / "broken.anvil"
    broken.write_text("<annotation><body>")
    with pytest.raises(LabelError, match=r"broken\.anvil: not a readable XML"):
        read_annotation(broken)
    with pytest.raises(LabelError, match="unknown label 'Great'"):
        recording_label([Segment("Global evaluation", 0, 1, "Great")])
    with pytest.raises(LabelError, match="no 'Global error' type"):
        recording_label([Segment("Global evaluation", 0, 1, "Incorrect")])
    with pytest.raises(ValueError, match="fps"):
        frame_labels([], fps=0, n_frames=3)
    assert frame_labels([], 30.0, 2).dtype == np.dtype(object)
