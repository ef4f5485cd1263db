"""KERAAL Kinect and Vicon text files: one frame a line, 7 numbers a joint.

Both follow ``readme_files_format.txt`` of the KERAAL release: each joint (or
Vicon target) is ``x y z qx qy qz qw`` (position, then global orientation as
a quaternion), concatenated in the order listed there. The joint counts are
checked against the files: Kinect lines hold 175 values (25 joints), Vicon
lines 119 (17 targets), as the readme says.

Units differ: Kinect positions are metres in camera space, Vicon positions
millimetres. Kinect v2 gives no orientation for leaf joints (head, feet, hand
tips, thumbs): their quaternions are written as zeros.
"""

from __future__ import annotations

from pathlib import Path

from hawkeye.data.readers.base import Recording, all_zero_frames, make_sequence
from hawkeye.data.readers.textfile import numeric_table
from hawkeye.landmarks.sequence import register_layout

# readme_files_format.txt, section 2.1.
KINECT_JOINTS = (
    "SpineBase", "SpineMid", "Neck", "Head",
    "ShoulderLeft", "ElbowLeft", "WristLeft", "HandLeft",
    "ShoulderRight", "ElbowRight", "WristRight", "HandRight",
    "HipLeft", "KneeLeft", "AnkleLeft", "FootLeft",
    "HipRight", "KneeRight", "AnkleRight", "FootRight",
    "SpineShoulder", "HandTipLeft", "ThumbLeft", "HandTipRight", "ThumbRight",
)  # fmt: skip

# readme_files_format.txt, section 1.1: 17 ART targets, not anatomical joints.
VICON_TARGETS = (
    "Right Forearm", "Left Forearm", "Right Arm", "Left Arm", "Chest",
    "Right Thigh", "Left Thigh", "Right Shoulder", "Left Shoulder",
    "Right Hand", "Left Hand", "Right Foot", "Left Foot", "Hips", "Head",
    "Right Tibia", "Left Tibia",
)  # fmt: skip

KINECT_LAYOUT = "kinect_v2_25"
VICON_LAYOUT = "keraal_vicon_17"
register_layout(KINECT_LAYOUT, KINECT_JOINTS)
register_layout(VICON_LAYOUT, VICON_TARGETS)
KINECT_FPS = 30.0  # Kinect v2 body frames.
# Not stated in the KERAAL docs: every sample Vicon file has ~2x the lines of the
# Kinect file of the same recording (390/197, 385/193, 389/193), i.e. 60 Hz.
VICON_FPS = 60.0


def read_kinect(path: Path, fps: float = KINECT_FPS) -> Recording:
    """A KERAAL Kinect ``.txt`` file (layout ``kinect_v2_25``)."""
    return _read(path, len(KINECT_JOINTS), KINECT_LAYOUT, fps)


def read_vicon(path: Path, fps: float = VICON_FPS) -> Recording:
    """A KERAAL Vicon ``.txt`` file (layout ``keraal_vicon_17``)."""
    return _read(path, len(VICON_TARGETS), VICON_LAYOUT, fps)


def _read(path: Path, n_joints: int, layout: str, fps: float) -> Recording:
    table = numeric_table(path, 7 * n_joints, what=f"({n_joints} joints x x y z qx qy qz qw)")
    values = table.reshape(len(table), n_joints, 7)
    points = values[..., :3]
    sequence = make_sequence(path, points, ~all_zero_frames(points), layout, fps)
    return Recording(sequence, {"orientation": values[..., 3:].astype("float32")})
