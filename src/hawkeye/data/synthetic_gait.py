"""Deterministic synthetic gait recordings: MediaPipe-pose-33 sequences of people walking.

Each recording is a side view of a person walking (MDS-UPDRS 3.10): the walker
goes from left to right across the scene, seen from their right side, and the
camera pans to keep them near the middle of the frame (as a phone following a
patient along a corridor does), so a 10-15 s walk stays in view. The pose comes
from a sagittal joint-angle model of the gait cycle: thigh, knee and foot
angles of each leg and shoulder and elbow angles of each arm are functions of
the gait phase (left half a cycle behind right), the trunk leans forward from
the hips, and the body is lowered each frame until the lowest point of either
foot touches the ground, which gives walking its vertical bob.

The severity score 0-4 drives what raters look at: slower cadence, shorter
strides (smaller thigh swing), less knee lift and heel strike (shuffling),
smaller arm swing that is asymmetric (one side more affected), more variable
step timing, episodes of shuffling (short steps) and of freezing (the gait
phase stops while the knees tremble), a stooped trunk that sways more.
Subjects get a latent severity, shared with the tapping generator for the
same seed, so a subject-grouped split matters.

Coordinates are normalised as MediaPipe gives them: x, y in 0..1 inside the
frame (image y points down; x and y share one scale, as in the tapping
generator), z in the same scale, relative to the depth of the hip midpoint,
negative towards the camera. Files are byte-identical on any machine
(coordinates rounded before saving, ``.npy`` has no timestamps).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hawkeye.config import SyntheticConfig
from hawkeye.data.synthetic import COLUMNS, DatasetWriter, _smooth_noise, _subject_severities

LAYOUT = "mediapipe_pose_33"
DATASET = "synthetic_gait"
TASK = "gait"
SIDE = "both"
ANNOTATIONS = "annotations.csv"
_VERSION = 1  # bump when the generated data changes
_DECIMALS = 5  # rounding makes libm differences across CPUs vanish from the bytes

# Segment lengths in body heights (Winter's anthropometric proportions).
_THIGH, _SHANK, _TORSO, _NECK_HEAD = 0.245, 0.246, 0.29, 0.13
_UPPER_ARM, _FOREARM = 0.186, 0.146
# Ankle -> heel and ankle -> foot index in the foot's frame (forward, down).
_HEEL, _TOE = (-0.045, 0.035), (0.12, 0.035)

# Face points relative to the head centre (forward, down, depth): side view from the right.
_FACE = np.array(
    [
        [0.055, 0.010, 0.000],  # 0 nose
        [0.045, -0.012, 0.012],  # 1 left eye inner
        [0.042, -0.012, 0.022],  # 2 left eye
        [0.035, -0.012, 0.032],  # 3 left eye outer
        [0.045, -0.012, -0.012],  # 4 right eye inner
        [0.042, -0.012, -0.022],  # 5 right eye
        [0.035, -0.012, -0.032],  # 6 right eye outer
        [-0.005, -0.002, 0.055],  # 7 left ear
        [-0.005, -0.002, -0.055],  # 8 right ear
        [0.045, 0.035, 0.015],  # 9 mouth left
        [0.045, 0.035, -0.015],  # 10 mouth right
    ]
)
# MediaPipe indices of the body points, (left, right).
_SHOULDER, _ELBOW, _WRIST = (11, 12), (13, 14), (15, 16)
_PINKY, _INDEX, _THUMB = (17, 18), (19, 20), (21, 22)
_HIP, _KNEE, _ANKLE, _HEEL_IDX, _TOE_IDX = (23, 24), (25, 26), (27, 28), (29, 30), (31, 32)
# Depth of each left body point in body heights (the right one, nearer the camera: negated).
_DEPTH = {11: 0.115, 13: 0.125, 15: 0.12, 17: 0.135, 19: 0.125, 21: 0.105}
_DEPTH |= {23: 0.055, 25: 0.05, 27: 0.05, 29: 0.05, 31: 0.06}
# Points on the far (left) side: the detector is less sure of them.
_FAR = np.array([1, 2, 3, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31])


@dataclass(frozen=True)
class GaitProfile:
    """Motor parameters of one recording, derived from its severity."""

    cadence_spm: float  # steps per minute
    hip_amplitude_deg: float  # thigh swing about its mean: stride length
    knee_swing_deg: float  # knee flexion peak in swing: foot clearance
    foot_pitch_deg: float  # toes up at heel strike (heel up at push-off is 1.6 times this)
    arm_swing_deg: float  # shoulder swing of the less affected arm
    arm_asymmetry: float  # share of that swing the more affected arm loses
    affected: int  # 0 left, 1 right
    step_jitter: float  # log-frequency noise of the gait rhythm: step-time variability
    n_shuffles: int
    n_freezes: int
    freeze_max_s: float
    flexion_deg: float  # flexed posture of knees and elbows
    trunk_lean_deg: float
    trunk_sway_deg: float

    @classmethod
    def sample(cls, severity: int, rng: np.random.Generator) -> GaitProfile:
        s = float(severity)
        return cls(
            cadence_spm=float(np.clip(rng.normal(112 - 8 * s, 5), 60, 135)),
            hip_amplitude_deg=float(np.clip(rng.normal(21 - 3.3 * s, 1.5), 4, 26)),
            knee_swing_deg=float(np.clip(rng.normal(58 - 7 * s, 4), 15, 70)),
            foot_pitch_deg=float(np.clip(rng.normal(16 - 3.5 * s, 2), 0, 22)),
            arm_swing_deg=float(np.clip(rng.normal(19 - 3.6 * s, 2.0), 2, 26)),
            arm_asymmetry=float(np.clip(rng.normal(0.05 + 0.13 * s, 0.05), 0, 0.85)),
            affected=int(rng.integers(2)),
            step_jitter=0.02 + 0.025 * s,
            n_shuffles=int(rng.poisson(0.35 * max(s - 1, 0))),
            n_freezes=int(rng.poisson(0.9 * max(s - 2, 0))),
            freeze_max_s=1.5 + 0.5 * s,
            flexion_deg=3 + 3 * s,
            trunk_lean_deg=float(np.clip(rng.normal(4 + 4 * s, 2), 0, 30)),
            trunk_sway_deg=0.8 + 1.2 * s,
        )


@dataclass(frozen=True)
class GaitCycle:
    """What the joint-angle model needs over time."""

    phase: np.ndarray  # gait cycles of the right leg (one cycle = two steps)
    amplitude: np.ndarray  # step size 0..1: 1 walking, less while shuffling or frozen
    frozen: np.ndarray  # 0..1, 1 inside a freezing episode (edges smoothed)


def _episodes(
    n: int, fps: float, count: int, length_s: tuple[float, float], rng: np.random.Generator
) -> np.ndarray:
    """Boolean mask of ``count`` episodes placed at random inside the recording."""
    t = np.arange(n) / fps
    mask = np.zeros(n, dtype=bool)
    for _ in range(count):
        start = rng.uniform(0.15, 0.8) * t[-1]
        mask |= (t >= start) & (t < start + rng.uniform(*length_s))
    return mask


def _ease(mask: np.ndarray, fps: float) -> np.ndarray:
    """A 0/1 mask with ~0.4 s ramps, so that step size changes smoothly."""
    width = max(int(0.4 * fps), 3)
    kernel = np.hanning(width)
    padded = np.pad(mask.astype(float), width, mode="edge")
    return np.convolve(padded, kernel / kernel.sum(), mode="same")[width:-width]


def gait_cycle(
    profile: GaitProfile, n_frames: int, fps: float, rng: np.random.Generator
) -> GaitCycle:
    """Gait phase with rhythm drift, shuffling episodes and freezes."""
    stride_hz = profile.cadence_spm / 120.0
    step_frames = int(fps / (2 * stride_hz))
    freq = stride_hz * np.exp(profile.step_jitter * _smooth_noise(n_frames, step_frames, rng))
    shuffling = _episodes(n_frames, fps, profile.n_shuffles, (1.5, 3.0), rng)
    frozen = _episodes(n_frames, fps, profile.n_freezes, (1.0, profile.freeze_max_s), rng)
    freq[frozen] = 0.0  # the phase stops: feet glued to the floor
    phase = rng.uniform(0, 1) + np.cumsum(freq) / fps
    frozen_soft = _ease(frozen, fps)
    amplitude = 1.0 - 0.5 * _ease(shuffling, fps) - 0.65 * frozen_soft
    return GaitCycle(phase, np.clip(amplitude, 0.3, 1.0), frozen_soft)


def _bump(phase: np.ndarray, centre: float, width: float) -> np.ndarray:
    """Gaussian bump of the cyclic phase (in cycles) around ``centre``."""
    d = (phase - centre + 0.5) % 1.0 - 0.5
    return np.exp(-0.5 * (d / width) ** 2)


def _direction(angle: np.ndarray) -> np.ndarray:
    """Unit vectors [T, 2] at ``angle`` (radians) from straight down, positive forward."""
    return np.stack([np.sin(angle), np.cos(angle)], axis=-1)


def _leg(phase: np.ndarray, amp: np.ndarray, p: GaitProfile, tremble: np.ndarray) -> np.ndarray:
    """Knee, ankle, heel and foot index relative to the hip joint: [T, 4, 2] (forward, down)."""
    thigh = np.deg2rad(
        4 + p.flexion_deg / 2 + amp * p.hip_amplitude_deg * np.cos(2 * np.pi * phase)
    )
    knee_flex = (
        p.flexion_deg
        + amp * p.knee_swing_deg * (_bump(phase, 0.72, 0.11) + 0.25 * _bump(phase, 0.12, 0.07))
        + tremble
    )
    shank = thigh - np.deg2rad(knee_flex)
    foot = np.deg2rad(
        amp * p.foot_pitch_deg * (_bump(phase, 0.0, 0.06) - 1.6 * _bump(phase, 0.6, 0.06))
    )
    knee = _THIGH * _direction(thigh)
    ankle = knee + _SHANK * _direction(shank)
    forward = np.stack([np.cos(foot), -np.sin(foot)], axis=-1)  # toes up = positive pitch
    down = np.stack([np.sin(foot), np.cos(foot)], axis=-1)
    heel = ankle + _HEEL[0] * forward + _HEEL[1] * down
    toe = ankle + _TOE[0] * forward + _TOE[1] * down
    return np.stack([knee, ankle, heel, toe], axis=1)


def _arm(
    phase: np.ndarray, amp: np.ndarray, swing_deg: float, p: GaitProfile, trunk: np.ndarray
) -> np.ndarray:
    """Elbow, wrist, pinky, index and thumb relative to the shoulder: [T, 5, 2]."""
    # The arm swings against the leg of its side: back when that leg is forward (phase 0).
    swing = -amp * swing_deg * np.cos(2 * np.pi * phase)
    upper = np.deg2rad(2 + p.flexion_deg / 3 + swing) + 0.3 * trunk
    fore = upper + np.deg2rad(8 + 1.2 * p.flexion_deg + 0.3 * (swing + amp * swing_deg))
    elbow = _UPPER_ARM * _direction(upper)
    along = _direction(fore)
    ahead = np.stack([np.cos(fore), -np.sin(fore)], axis=-1)
    wrist = elbow + _FOREARM * along
    pinky = wrist + 0.075 * along - 0.008 * ahead
    index = wrist + 0.085 * along + 0.012 * ahead
    thumb = wrist + 0.045 * along + 0.025 * ahead
    return np.stack([elbow, wrist, pinky, index, thumb], axis=1)


def render_walker(
    cycle: GaitCycle, profile: GaitProfile, fps: float, rng: np.random.Generator
) -> np.ndarray:
    """The pose in body heights, lowered onto the ground, placed in normalised image coordinates."""
    n = cycle.phase.shape[0]
    t = np.arange(n) / fps
    body = np.zeros((n, 33, 3))  # forward, down, depth; origin at the hip midpoint

    tremble = cycle.frozen * 3.0 * np.sin(2 * np.pi * rng.uniform(4.0, 6.0) * t)
    phases = (cycle.phase + 0.5, cycle.phase)  # left, right
    for side, phase in enumerate(phases):
        leg = _leg(phase, cycle.amplitude, profile, tremble)
        for k, joint in enumerate((_KNEE, _ANKLE, _HEEL_IDX, _TOE_IDX)):
            body[:, joint[side], :2] = leg[:, k]
    # Lower the body until the lowest foot point touches the ground (y = 0).
    feet = body[:, [_HEEL_IDX[0], _HEEL_IDX[1], _TOE_IDX[0], _TOE_IDX[1]], 1]
    lift = -feet.max(axis=1)
    body[:, 25:33, 1] += lift[:, None]
    body[:, _HIP[0], 1] = body[:, _HIP[1], 1] = lift

    sway = np.deg2rad(profile.trunk_sway_deg) * (
        0.7 * np.sin(2 * np.pi * rng.uniform(0.3, 0.7) * t + rng.uniform(0, 2 * np.pi))
        + 0.7 * _smooth_noise(n, int(1.5 * fps), rng)
    )
    trunk = np.deg2rad(profile.trunk_lean_deg) + sway
    lean = np.stack([np.sin(trunk), -np.cos(trunk)], axis=-1)  # hip midpoint -> shoulder midpoint
    shoulders = body[:, _HIP[0], :2] + _TORSO * lean
    nod = trunk + np.deg2rad(5 + profile.flexion_deg)  # the head juts forward when stooped
    head = shoulders + _NECK_HEAD * np.stack([np.sin(nod), -np.cos(nod)], axis=-1)
    body[:, :11] = np.concatenate([head, np.zeros((n, 1))], axis=1)[:, None] + _FACE[None]

    for side, phase in enumerate(phases):
        swing = profile.arm_swing_deg * (1 - profile.arm_asymmetry * (side == profile.affected))
        arm = _arm(phase, np.sqrt(cycle.amplitude), swing, profile, trunk)
        body[:, _SHOULDER[side], :2] = shoulders
        for k, joint in enumerate((_ELBOW, _WRIST, _PINKY, _INDEX, _THUMB)):
            body[:, joint[side], :2] = shoulders + arm[:, k]
    for left, depth in _DEPTH.items():
        body[:, left, 2] = depth
        body[:, left + 1, 2] = -depth
    # Weight shift towards the stance leg (right leg in stance around phase 0.25) plus sway.
    shift = -0.02 * cycle.amplitude * np.cos(2 * np.pi * (cycle.phase - 0.25))
    body[:, :, 2] += (shift + 0.3 * sway)[:, None]

    scale = rng.uniform(0.55, 0.72)  # body height relative to the frame
    ground = rng.uniform(0.86, 0.93)
    follow = rng.uniform(0.42, 0.58) + 0.025 * _smooth_noise(n, int(2 * fps), rng)  # panning
    roll = np.deg2rad(rng.uniform(-2, 2))
    rot = np.array([[np.cos(roll), -np.sin(roll)], [np.sin(roll), np.cos(roll)]])
    xy = body[:, :, :2] @ rot.T * scale
    xy[:, :, 0] += follow[:, None]
    xy[:, :, 1] += ground
    points = np.concatenate([xy, body[:, :, 2:] * scale], axis=2)
    jitter = rng.normal(0, 0.0012, size=points.shape)  # detector jitter, ~1-2 px at 1080p
    jitter[:, :, 2] *= 3  # MediaPipe's depth is the least certain coordinate
    jitter[:, _FAR] *= 1.6
    return np.round(points + jitter, _DECIMALS).astype(np.float32)


def generate(out_dir: Path, cfg: SyntheticConfig | None = None) -> Path:
    """Write the dataset into ``out_dir`` (idempotent) and return the annotation CSV path."""
    cfg = cfg or SyntheticConfig()
    writer = DatasetWriter(out_dir, {"generator": DATASET, "version": _VERSION, **cfg.model_dump()})
    if writer.up_to_date:
        return writer.annotations
    latent = _subject_severities(cfg.n_subjects, np.random.default_rng(cfg.seed))
    for subj in range(cfg.n_subjects):
        for session in range(cfg.sessions):
            rng = np.random.default_rng([cfg.seed, subj, session, 0x6A17])  # 0x6A17: gait stream
            severity = int(np.clip(np.rint(latent[subj] + rng.normal(0, 0.5)), 0, 4))
            profile = GaitProfile.sample(severity, rng)
            n_frames = round(rng.uniform(10.0, 15.0) * cfg.fps)
            cycle = gait_cycle(profile, n_frames, cfg.fps, rng)
            writer.add(
                render_walker(cycle, profile, cfg.fps, rng),
                sample_id=f"S{subj:03d}_G_{session}",
                subject_id=f"S{subj:03d}",
                task=TASK,
                side=SIDE,
                label=severity,
                fps=cfg.fps,
                dataset=DATASET,
                layout=LAYOUT,
            )
    return writer.close(COLUMNS)
