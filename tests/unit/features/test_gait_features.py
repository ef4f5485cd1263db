import math

import numpy as np
import pytest

from hawkeye.features.gait import feature_names, gait_features
from hawkeye.features.motion import channel_names, motion_channels
from hawkeye.landmarks.sequence import LandmarkError, LandmarkSequence

LEG, ARM, TORSO = 0.4, 0.24, 0.3  # image units of the test walker


def _walker(
    step_hz: float = 1.8,
    seconds: float = 12.0,
    fps: float = 30.0,
    hip_deg: float = 20.0,
    arm_deg: tuple[float, float] = (20.0, 20.0),
    sway: float = 0.0,
    freeze: tuple[float, float] | None = None,
    missing: slice | None = None,
    jitter: float = 0.0,
) -> LandmarkSequence:
    """A side-view stick walker: legs and arms swing as pendulums at ``step_hz / 2`` strides/s.

    Step length (ankle separation at heel strike) is 2 sin(hip_deg) leg lengths, so the
    stride amplitude feature should read that; an arm swinging +-a degrees has a 5-95 %
    wrist range of 2 sin(0.9877 a) arm lengths (the 95th percentile of a sine is sin 0.45 pi).
    """
    n = round(seconds * fps)
    t = np.arange(n) / fps
    rate = np.full(n, step_hz / 2)
    if jitter:
        rate *= np.exp(jitter * np.random.default_rng(0).normal(size=n).cumsum() / 10)
    if freeze:
        rate[(t >= freeze[0]) & (t < freeze[1])] = 0
    phase = 2 * np.pi * np.cumsum(rate) / fps
    pts = np.zeros((n, 33, 3))
    hip, shoulder = np.array([0.5, 0.5]), np.array([0.5, 0.5 - TORSO])
    pts[:, :11, :2] = shoulder - [0, 0.1]  # face
    for side, sign in ((0, 1), (1, -1)):  # left, right: opposite phases
        leg = np.deg2rad(hip_deg) * sign * np.sin(phase)
        arm = -np.deg2rad(arm_deg[side]) * sign * np.sin(phase)
        leg_dir = np.stack([np.sin(leg), np.cos(leg)], axis=1)
        arm_dir = np.stack([np.sin(arm), np.cos(arm)], axis=1)
        pts[:, 23 + side, :2] = hip
        pts[:, 25 + side, :2] = hip + LEG / 2 * leg_dir  # knee
        pts[:, 27 + side, :2] = hip + LEG * leg_dir  # ankle
        pts[:, 29 + side, :2] = hip + LEG * leg_dir + [-0.02, 0.02]  # heel
        pts[:, 31 + side, :2] = hip + LEG * leg_dir + [0.05, 0.02]  # foot index
        pts[:, 11 + side, :2] = shoulder
        pts[:, 13 + side, :2] = shoulder + ARM / 2 * arm_dir  # elbow
        for joint in (15, 17, 19, 21):  # wrist and hand
            pts[:, joint + side, :2] = shoulder + ARM * arm_dir
    pts[:, :23, 0] += sway * TORSO * np.sin(2 * np.pi * 0.5 * t)[:, None]  # upper body rocks
    presence = np.ones(n, dtype=bool)
    if missing:
        presence[missing] = False
        pts[missing] = np.nan
    return LandmarkSequence(pts.astype(np.float32), presence, "mediapipe_pose_33", fps)


@pytest.mark.parametrize("step_hz", [1.0, 1.8, 2.2])
def test_cadence_and_stride_are_recovered(step_hz: float) -> None:
    f = gait_features(_walker(step_hz))
    assert f["gait_cadence"] == pytest.approx(60 * step_hz, rel=0.02)  # within 2 %
    assert f["gait_step_time_mean"] == pytest.approx(1 / step_hz, rel=0.02)
    assert f["gait_step_time_cv"] < 0.02
    assert f["gait_n_steps"] == pytest.approx(12 * step_hz, abs=1.5)
    expected_stride = 2 * math.sin(math.radians(20))
    assert f["gait_stride_amplitude_median"] == pytest.approx(expected_stride, rel=0.03)
    assert f["gait_freeze_count"] == 0 and f["gait_freeze_time_s"] == 0


def test_stride_scales_with_the_thigh_swing() -> None:
    short = gait_features(_walker(hip_deg=8))["gait_stride_amplitude_median"]
    assert short == pytest.approx(2 * math.sin(math.radians(8)), rel=0.05)


def test_arm_swing_and_its_asymmetry() -> None:
    f = gait_features(_walker(arm_deg=(20.0, 10.0)))
    left, right = (2 * math.sin(math.radians(0.9877 * a)) for a in (20.0, 10.0))
    assert f["gait_arm_swing_left"] == pytest.approx(left, rel=0.03)
    assert f["gait_arm_swing_right"] == pytest.approx(right, rel=0.03)
    assert f["gait_arm_swing_mean"] == pytest.approx((left + right) / 2, rel=0.03)
    assert f["gait_arm_swing_asymmetry"] == pytest.approx(1 - right / left, abs=0.03)
    assert gait_features(_walker())["gait_arm_swing_asymmetry"] < 0.01


def test_trunk_sway_in_torso_lengths() -> None:
    f = gait_features(_walker(sway=0.1))
    assert f["gait_trunk_sway_horizontal"] == pytest.approx(0.1 / math.sqrt(2), rel=0.05)
    assert f["gait_trunk_sway_vertical"] < 1e-3
    assert gait_features(_walker())["gait_trunk_sway_horizontal"] < 1e-3


def test_irregular_steps_raise_the_variability() -> None:
    regular = gait_features(_walker())["gait_step_time_cv"]
    irregular = gait_features(_walker(jitter=0.3))["gait_step_time_cv"]
    assert irregular > regular + 0.03


def test_a_freeze_is_counted_and_timed() -> None:
    f = gait_features(_walker(1.8, freeze=(5.0, 7.5)))
    assert f["gait_freeze_count"] == 1
    assert f["gait_freeze_time_s"] == pytest.approx(2.5, abs=0.4)
    assert f["gait_freeze_max_s"] == f["gait_freeze_time_s"]
    assert f["gait_freeze_fraction"] == pytest.approx(2.5 / 12, abs=0.04)
    # The freeze gap is not a step: cadence and variability come from the walking.
    assert f["gait_cadence"] == pytest.approx(108, rel=0.02)
    assert f["gait_step_time_cv"] < 0.02


def test_missing_frames_are_interpolated() -> None:
    f = gait_features(_walker(1.8, missing=slice(100, 106)))
    assert f["gait_cadence"] == pytest.approx(108, rel=0.02)
    f = gait_features(_walker(1.8, missing=slice(0, 30)))  # nothing detected in the first second
    assert f["gait_cadence"] == pytest.approx(108, rel=0.02)


def test_columns_are_stable_whatever_the_input() -> None:
    names = feature_names()
    assert all(n.startswith("gait_") for n in names) and len(set(names)) == len(names)
    for seq in (_walker(), _walker(seconds=1.0), _walker(hip_deg=0, arm_deg=(0, 0))):
        assert list(gait_features(seq)) == names


def test_short_input_gives_nan() -> None:
    f = gait_features(_walker(seconds=1.0))
    assert all(math.isnan(v) for v in f.values())
    # Enough frames overall but less than 2 s between the first and last detection.
    f = gait_features(_walker(seconds=5.0, missing=slice(40, None)))
    assert all(math.isnan(v) for v in f.values())


def test_standing_still_has_no_steps() -> None:
    f = gait_features(_walker(hip_deg=0, arm_deg=(0, 0)))
    for name in ("gait_cadence", "gait_step_time_mean", "gait_step_time_cv", "gait_n_steps"):
        assert math.isnan(f[name])
    assert math.isnan(f["gait_stride_amplitude_median"]) and math.isnan(f["gait_freeze_count"])
    assert f["gait_arm_swing_left"] == pytest.approx(0, abs=1e-6)  # measured: no swing
    assert math.isnan(f["gait_arm_swing_asymmetry"])  # 0 against 0 is no asymmetry figure


def test_degenerate_pose_gives_nan() -> None:
    seq = LandmarkSequence(
        np.full((300, 33, 3), 0.5, np.float32), np.ones(300, bool), "mediapipe_pose_33", 30
    )
    assert all(math.isnan(v) for v in gait_features(seq).values())


def test_a_hand_sequence_is_refused() -> None:
    seq = LandmarkSequence(
        np.zeros((90, 21, 3), np.float32), np.ones(90, bool), "mediapipe_hand_21", 30
    )
    with pytest.raises(LandmarkError, match="mediapipe_pose_33"):
        gait_features(seq)


# --- motion channels -----------------------------------------------------------------


def _hand(n: int = 60, fps: float = 30.0, speed: float = 0.1) -> LandmarkSequence:
    """A still hand (size 0.2) whose index tip moves right at ``speed`` image units/s."""
    pts = np.zeros((n, 21, 3), np.float32)
    pts[:, :, :2] = [0.5, 0.7]
    pts[:, 9, 1] = 0.5  # middle MCP: hand size 0.2
    pts[:, 8, 0] = 0.4 + speed * np.arange(n) / fps
    return LandmarkSequence(pts, np.ones(n, bool), "mediapipe_hand_21", fps)


def test_motion_channel_shapes() -> None:
    pose = _walker(seconds=3.0)
    assert motion_channels(pose).shape == (90, 33, 9)
    assert motion_channels(pose, velocity=False, acceleration=False).shape == (90, 33, 3)
    assert motion_channels(pose, acceleration=False).shape == (90, 33, 6)
    assert motion_channels(_hand()).shape == (60, 21, 9)
    assert motion_channels(pose).dtype == np.float32
    assert channel_names() == ["x", "y", "z", "vx", "vy", "vz", "ax", "ay", "az"]
    assert channel_names(acceleration=False) == ["x", "y", "z", "vx", "vy", "vz"]
    coco = LandmarkSequence(
        np.random.default_rng(0).random((10, 17, 3), np.float32), np.ones(10, bool), "coco_17", 25
    )
    assert np.isfinite(motion_channels(coco)).all() and motion_channels(coco).shape == (10, 17, 9)


def test_velocity_of_a_joint_at_constant_speed() -> None:
    ch = motion_channels(_hand(speed=0.1))
    # 0.1 image units/s over a hand size of 0.2: 0.5 hand sizes per second, every frame.
    np.testing.assert_allclose(ch[:, 8, 3], 0.5, atol=1e-3)
    np.testing.assert_allclose(ch[:, 8, 4:6], 0, atol=1e-3)
    np.testing.assert_allclose(ch[:, 8, 6:9], 0, atol=1e-2)
    np.testing.assert_allclose(ch[:, 0, :], 0, atol=1e-6)  # the root (wrist) is the origin
    np.testing.assert_allclose(ch[:, 9, 1], -1, atol=1e-5)  # middle MCP one hand size up


def test_channels_do_not_depend_on_where_and_how_big() -> None:
    seq = _walker(seconds=3.0)
    moved = LandmarkSequence(seq.points * 2 + np.float32(0.3), seq.presence, seq.layout, seq.fps)
    np.testing.assert_allclose(motion_channels(moved), motion_channels(seq), atol=1e-3)


def test_whole_body_motion_shows_only_when_centred_on_the_recording() -> None:
    seq = _hand()
    drifting = seq.points.copy()
    drifting[:, :, 1] += (0.05 * np.arange(seq.n_frames) / seq.fps)[:, None].astype(np.float32)
    seq = LandmarkSequence(drifting, seq.presence, seq.layout, seq.fps)
    np.testing.assert_allclose(motion_channels(seq)[:, 0, 4], 0, atol=1e-3)
    np.testing.assert_allclose(motion_channels(seq, centre="recording")[:, 0, 4], 0.25, atol=1e-3)
    with pytest.raises(ValueError, match="centre"):
        motion_channels(seq, centre="hips")  # type: ignore[arg-type]


def test_missing_frames_are_filled_in_the_channels() -> None:
    seq = _hand(speed=0.1)
    pts, presence = seq.points.copy(), seq.presence.copy()
    pts[20:26], presence[20:26] = np.nan, False
    pts[:3], presence[:3] = np.nan, False
    ch = motion_channels(LandmarkSequence(pts, presence, seq.layout, seq.fps))
    assert ch.shape == (60, 21, 9) and np.isfinite(ch).all()
    np.testing.assert_allclose(ch[10:50, 8, 3], 0.5, atol=1e-3)  # the gap is bridged linearly
    np.testing.assert_allclose(ch[:3, 8, 0], ch[3, 8, 0])  # leading gap holds the first pose
