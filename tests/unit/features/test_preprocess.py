"""Skeleton preprocessing as configuration: centre, scale, view (hawkeye.features.preprocess)."""

from __future__ import annotations

import numpy as np
import pytest

from hawkeye.features.motion import motion_channels
from hawkeye.features.preprocess import (
    Preprocess,
    PreprocessError,
    check_params,
    lateral_joints,
    rotate_y,
)
from hawkeye.landmarks.sequence import LandmarkSequence, register_layout
from hawkeye.models import registry

# A 3-D stick figure facing +z (shoulders along x): pelvis root, two shoulders, two hands.
register_layout(
    "test_preprocess_5",
    ("pelvis", "ShoulderLeft", "ShoulderRight", "HandLeft", "HandRight"),
    parents=(-1, 0, 0, 1, 2),
    root=(0,),
    size=((0,), (1, 2)),
)
register_layout("test_preprocess_unnamed_5", 5)
# The same figure and, as two more entries, values that are no position (angles).
register_layout(
    "test_preprocess_5_angles",
    5 + 2,
    parents=(-1, 0, 0, 1, 2, 1, 2),
    root=(0,),
    size=((0,), (1, 2)),
    lateral=((1,), (2,)),
    non_positional=(5, 6),
)


def _figure(frames: int = 40, turn_deg: float = 0.0, layout: str = "test_preprocess_5"):
    t = np.arange(frames) / 30.0
    base = np.array(
        [[0, 0, 0], [-0.2, 0.5, 0], [0.2, 0.5, 0], [-0.2, 0.2, 0.1], [0.2, 0.2, 0.1]], float
    )
    pts = np.repeat(base[None], frames, axis=0)
    pts[:, 4, 1] += 0.2 * np.sin(2 * np.pi * t)  # the right hand waves
    pts = rotate_y(pts, np.deg2rad(turn_deg)) + np.array([1.0, 0.3, 2.0])
    return LandmarkSequence(pts.astype(np.float32), np.ones(frames, bool), layout, 30.0)


def test_defaults_are_what_motion_channels_did_before() -> None:
    seq = _figure()
    ch = motion_channels(seq)
    np.testing.assert_allclose(ch[:, 0, :3], 0, atol=1e-6)  # root-centred per frame
    np.testing.assert_allclose(ch[:, 1, 1], 1.0, atol=1e-5)  # in torso lengths (0.5 up)
    assert Preprocess() == Preprocess.from_params({"velocity": True})


def test_scale_none_and_centre_none_keep_the_recorded_units() -> None:
    seq = _figure()
    raw = motion_channels(seq, False, False, centre="none", scale="none")
    np.testing.assert_allclose(raw, seq.points, atol=1e-6)
    rec = motion_channels(seq, False, False, centre="recording", scale="none")
    np.testing.assert_allclose(rec[:, 1], seq.points[:, 1] - seq.points[:, 0], atol=1e-6)


@pytest.mark.parametrize("turn", [35.0, 160.0, -90.0])
def test_canonical_view_undoes_a_turn_about_the_vertical(turn: float) -> None:
    front, turned = _figure(), _figure(turn_deg=turn)
    assert not np.allclose(motion_channels(turned), motion_channels(front), atol=1e-3)
    np.testing.assert_allclose(
        motion_channels(turned, view="canonical"),
        motion_channels(front, view="canonical"),
        atol=1e-4,
    )
    canon = motion_channels(turned, False, False, view="canonical")
    line = canon[:, 2] - canon[:, 1]  # left to right shoulder along +x, nothing in z
    np.testing.assert_allclose(line[:, 2], 0, atol=1e-5)
    assert (line[:, 0] > 0).all()


def test_canonical_view_needs_named_sides() -> None:
    assert lateral_joints("test_preprocess_5") == ((1,), (2,))
    assert lateral_joints("mediapipe_pose_33") == ((11,), (12,))
    assert lateral_joints("uiprmd_kinect_22") == ((7,), (11,))  # Left/RightUpperArm
    with pytest.raises(PreprocessError, match="lateral"):
        motion_channels(_figure(layout="test_preprocess_unnamed_5"), view="canonical")


def test_bad_values_fail_when_the_configuration_is_read() -> None:
    with pytest.raises(PreprocessError, match="view must be one of"):
        check_params({"view": "sideways"})
    for name in ("lstm_attention", "minirocket", "mstcn"):
        with pytest.raises(ValueError, match="scale must be one of"):
            registry.check_params(name, {"scale": "metres"})
        registry.check_params(name, {"view": "canonical", "centre": "none", "scale": "none"})


def test_non_positional_entries_are_left_as_they_are() -> None:
    seq = _figure(turn_deg=40.0)
    angles = np.random.default_rng(0).normal(size=(len(seq.points), 2, 3)) * 30
    both = LandmarkSequence(
        np.concatenate([seq.points, angles], axis=1).astype(np.float32),
        seq.presence,
        "test_preprocess_5_angles",
        seq.fps,
    )
    out = motion_channels(both, False, False, centre="frame", view="canonical")
    np.testing.assert_allclose(out[:, 5:], angles, rtol=1e-5, atol=1e-4)
    positions = motion_channels(seq, False, False, centre="frame", view="canonical")
    np.testing.assert_allclose(out[:, :5], positions, atol=1e-5)
