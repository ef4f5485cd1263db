"""KERAAL OpenPose, BlazePose and AlphaPose ``.json``: ``{"positions": {frame: {joint: xy[z]}}}``.

Joint names and orders are those of ``readme_files_format.txt`` and were
checked against the sample files: OpenPose frames hold up to 18 named joints
(COCO-18, layout ``coco_18``), AlphaPose frames exactly 17 joints keyed
``"0"``..``"16"`` (COCO-17, ``coco_17``), BlazePose frames 33 named joints
(``mediapipe_pose_33``). Coordinates are fractions of the image; OpenPose
and AlphaPose are 2-D, so their ``z`` is 0.

Frame keys are mapped to the frame axis so that missing frames become absent
frames instead of silently shortening the recording. Per the KERAAL
extraction scripts (``get_skeletons_from_videos/``), OpenPose keys are 1-based
video frame numbers ("1.0", ...), and BlazePose keys ("1.0", ...) count
*detections* (frames without a person are skipped without a gap, so its time
axis can be compressed); AlphaPose keys are 0-based ("0", ...). OpenPose omits
joints it did not detect: they are 0 in ``points`` and False in the
``joint_present`` extra; a frame is present when any joint is.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from hawkeye.data.readers.base import Recording, RecordingError, make_sequence
from hawkeye.landmarks.sequence import register_layout

OPENPOSE_JOINTS = (
    "Nose", "Neck", "rShoulder", "rElbow", "rWrist", "lShoulder", "lElbow", "lWrist",
    "rHip", "rKnee", "rAnkle", "lHip", "lKnee", "lAnkle", "rEye", "lEye", "rEar", "lEar",
)  # fmt: skip

BLAZEPOSE_JOINTS = (
    "Nose", "Left_eye_inner", "Left_eye", "Left_eye_outer",
    "Right_eye_inner", "Right_eye", "Right_eye_outer", "Left_ear", "Right_ear",
    "Mouth_left", "Mouth_right", "Left_shoulder", "Right_shoulder",
    "Left_elbow", "Right_elbow", "Left_wrist", "Right_wrist",
    "Left_pinky", "Right_pinky", "Left_index", "Right_index",
    "Left_thumb", "Right_thumb", "Left_hip", "Right_hip", "Left_knee", "Right_knee",
    "Left_ankle", "Right_ankle", "Left_heel", "Right_heel",
    "Left_foot_index", "Right_foot_index",
)  # fmt: skip

# Names for documentation; the files key AlphaPose joints by index "0".."16".
ALPHAPOSE_JOINTS = (
    "Nose", "LEye", "REye", "LEar", "REar", "LShoulder", "RShoulder", "LElbow", "RElbow",
    "LWrist", "RWrist", "LHip", "RHip", "LKnee", "RKnee", "LAnkle", "RAnkle",
)  # fmt: skip

# The COCO layouts are the landmark module's own (other detectors write them too); this
# adds their joint names.
register_layout("coco_18", OPENPOSE_JOINTS)
register_layout("coco_17", ALPHAPOSE_JOINTS)

VIDEO_FPS = 30.0  # the group-3 videos; their frame counts match the 30 Hz Kinect files.


def read_openpose(path: Path, fps: float = VIDEO_FPS) -> Recording:
    """A KERAAL OpenPose file (layout ``coco_18``, 2-D)."""
    return _read(path, OPENPOSE_JOINTS, "coco_18", first_frame=1, dims=2, fps=fps)


def read_blazepose(path: Path, fps: float = VIDEO_FPS) -> Recording:
    """A KERAAL BlazePose file (layout ``mediapipe_pose_33``, x y and relative depth)."""
    return _read(path, BLAZEPOSE_JOINTS, "mediapipe_pose_33", first_frame=1, dims=3, fps=fps)


def read_alphapose(path: Path, fps: float = VIDEO_FPS) -> Recording:
    """A KERAAL AlphaPose file (layout ``coco_17``, 2-D)."""
    keys = tuple(str(i) for i in range(len(ALPHAPOSE_JOINTS)))
    return _read(path, keys, "coco_17", first_frame=0, dims=2, fps=fps)


def _read(
    path: Path, joints: tuple[str, ...], layout: str, first_frame: int, dims: int, fps: float
) -> Recording:
    path = Path(path)
    frames = _positions(path)
    index = {name: j for j, name in enumerate(joints)}
    numbers = {key: _frame_number(path, key, first_frame) for key in frames}
    n_frames = max(numbers.values(), default=-1) + 1
    points = np.zeros((n_frames, len(joints), 3), dtype=np.float32)
    joint_present = np.zeros((n_frames, len(joints)), dtype=bool)
    for key, frame in frames.items():
        if not isinstance(frame, dict):
            raise RecordingError(f"{path.name}: frame {key!r} is not a joint dictionary")
        for name, xyz in frame.items():
            if name not in index:
                raise RecordingError(
                    f"{path.name}: frame {key!r}: unknown joint {name!r} for {layout}"
                )
            points[numbers[key], index[name], :dims] = _coordinates(path, key, name, xyz, dims)
            joint_present[numbers[key], index[name]] = True
    sequence = make_sequence(path, points, joint_present.any(axis=1), layout, fps)
    return Recording(sequence, {"joint_present": joint_present})


def _positions(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordingError(f"{path.name}: not a readable JSON file ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("positions"), dict):
        raise RecordingError(f"{path.name}: no 'positions' dictionary at the top level")
    return data["positions"]


def _frame_number(path: Path, key: str, first_frame: int) -> int:
    try:
        number = float(key)
    except ValueError:
        raise RecordingError(f"{path.name}: frame key {key!r} is not a number") from None
    if not number.is_integer() or number < first_frame:
        raise RecordingError(
            f"{path.name}: frame key {key!r} is not a whole number >= {first_frame}"
        )
    return int(number) - first_frame


def _coordinates(path: Path, key: str, name: str, xyz: Any, dims: int) -> list[float]:
    ok = isinstance(xyz, list) and len(xyz) == dims
    ok = ok and all(isinstance(v, int | float) and math.isfinite(v) for v in xyz)
    if not ok:
        raise RecordingError(
            f"{path.name}: frame {key!r} joint {name!r}: expected {dims} finite numbers, "
            f"got {xyz!r}"
        )
    return xyz
