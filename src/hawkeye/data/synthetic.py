"""Deterministic synthetic finger-tapping recordings: the embedded default dataset.

Each recording is a MediaPipe-hand-21 landmark sequence of a person tapping
index finger on thumb (MDS-UPDRS 3.4). The severity score 0-4 drives what
raters look at: smaller and slower taps, amplitude decrement over the
recording, irregular rhythm, hesitations/freezes and tremor. Subjects get a
latent severity shared by both hands, so a subject-grouped split matters.

Files are byte-identical on any machine (coordinates rounded before saving, the
``.npz`` members carry a fixed date) so that ``data.dvc`` holds one md5 everywhere. Each
recording carries its frame size (1280 x 720) and fps, as a video's landmarks do.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hawkeye.config import SyntheticConfig

LAYOUT = "mediapipe_hand_21"
DATASET = "synthetic_tapping"
ANNOTATIONS = "annotations.csv"
_DECIMALS = 5  # rounding makes libm differences across CPUs vanish from the bytes

# Right hand, palm to camera, in hand units (wrist -> middle MCP = 1); image y points down.
_OPEN = np.array(
    [
        [0.00, 0.00, 0.00],  # 0 wrist
        [-0.25, -0.15, -0.02],
        [-0.45, -0.35, -0.04],
        [-0.60, -0.55, -0.05],
        [-0.72, -0.72, -0.06],
        [-0.20, -0.95, -0.02],
        [-0.25, -1.35, -0.04],
        [-0.28, -1.60, -0.05],
        [-0.30, -1.82, -0.06],
        [0.00, -1.00, -0.01],
        [0.05, -0.80, -0.06],
        [0.05, -0.62, -0.08],
        [0.04, -0.50, -0.08],
        [0.18, -0.95, -0.01],
        [0.22, -0.75, -0.06],
        [0.22, -0.58, -0.08],
        [0.21, -0.47, -0.08],
        [0.35, -0.85, -0.01],
        [0.38, -0.68, -0.05],
        [0.38, -0.55, -0.07],
        [0.37, -0.46, -0.07],
    ],
    dtype=np.float64,
)
# Index tip on thumb tip: only thumb (1-4) and index (6-8) joints move.
_CLOSED = _OPEN.copy()
_CLOSED[3] = [-0.52, -0.72, -0.06]
_CLOSED[4] = [-0.50, -0.95, -0.08]
_CLOSED[6] = [-0.35, -1.20, -0.06]
_CLOSED[7] = [-0.45, -1.10, -0.08]
_CLOSED[8] = [-0.49, -0.98, -0.09]


@dataclass(frozen=True)
class TappingProfile:
    """Motor parameters of one recording, derived from its severity."""

    frequency_hz: float
    amplitude: float
    decrement: float
    rhythm_jitter: float
    n_freezes: int
    freeze_max_s: float
    tremor: float

    @classmethod
    def sample(cls, severity: int, rng: np.random.Generator) -> TappingProfile:
        s = float(severity)
        return cls(
            frequency_hz=float(np.clip(rng.normal(3.6 - 0.45 * s, 0.3), 0.8, 5.0)),
            amplitude=float(np.clip(rng.normal(1.0 - 0.13 * s, 0.08), 0.2, 1.1)),
            decrement=float(np.clip(rng.normal(0.05 + 0.10 * s, 0.06), 0.0, 0.8)),
            rhythm_jitter=0.04 + 0.06 * s,
            n_freezes=int(rng.poisson(0.15 + 0.45 * s)),
            freeze_max_s=0.6 + 0.25 * s,
            tremor=0.01 + 0.02 * s,
        )


def _smooth_noise(n: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-variance low-pass noise: slow drifts of rhythm rather than frame-to-frame flicker."""
    raw = rng.normal(size=n + width)
    kernel = np.hanning(max(width, 3))
    out = np.convolve(raw, kernel / kernel.sum(), mode="same")[:n]
    return (out - out.mean()) / (out.std() + 1e-12)


def aperture_curve(
    profile: TappingProfile, n_frames: int, fps: float, rng: np.random.Generator
) -> np.ndarray:
    """Finger opening 0 (touching) .. ~1 (fully open) over time."""
    t = np.arange(n_frames) / fps
    freq = profile.frequency_hz * np.exp(
        profile.rhythm_jitter * _smooth_noise(n_frames, int(fps / profile.frequency_hz), rng)
    )
    for _ in range(profile.n_freezes):
        start = rng.uniform(0.1, 0.9) * t[-1]
        length = rng.uniform(0.3, profile.freeze_max_s)
        freq[(t >= start) & (t < start + length)] = 0.0  # phase stops: the hand holds still
    phase = 2 * np.pi * np.cumsum(freq) / fps
    envelope = profile.amplitude * (1.0 - profile.decrement * t / t[-1])
    return envelope * (0.5 - 0.5 * np.cos(phase))


def render_hand(
    aperture: np.ndarray, profile: TappingProfile, side: str, fps: float, rng: np.random.Generator
) -> np.ndarray:
    """Place the blended hand pose in normalised image coordinates, with drift, tremor and noise."""
    n = aperture.shape[0]
    t = np.arange(n) / fps
    pose = _CLOSED[None] + aperture[:, None, None] * (_OPEN - _CLOSED)[None]  # [T, 21, 3]

    tremor_hz = rng.uniform(4.0, 6.0)
    tremor = profile.tremor * np.sin(2 * np.pi * tremor_hz * t + rng.uniform(0, 2 * np.pi))
    pose[:, :, 0] += tremor[:, None]
    pose[:, :, 1] += 0.5 * tremor[:, None]

    angle = np.deg2rad(rng.uniform(-20, 20))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    pose[:, :, :2] = pose[:, :, :2] @ rot.T
    if side == "left":
        pose[:, :, 0] *= -1

    scale = rng.uniform(0.12, 0.2)  # hand size relative to the frame
    centre = np.array([rng.uniform(0.4, 0.6), rng.uniform(0.6, 0.75)])
    drift = 0.01 * np.stack(
        [_smooth_noise(n, int(2 * fps), rng), _smooth_noise(n, int(2 * fps), rng)], 1
    )
    xy = pose[:, :, :2] * scale + centre + drift[:, None, :]
    z = pose[:, :, 2:] * scale
    points = np.concatenate([xy, z], axis=2)
    points += rng.normal(0, 0.0008, size=points.shape)  # detector jitter, ~1 px at 1080p
    return np.round(points, _DECIMALS).astype(np.float32)


def _subject_severities(n_subjects: int, rng: np.random.Generator) -> np.ndarray:
    """Latent severities spread over 0-4 so every score has several subjects."""
    base = np.arange(n_subjects) % 5
    return rng.permutation(base) + rng.uniform(-0.4, 0.4, n_subjects)


def write_npz(path: Path, **arrays: np.ndarray | float | int) -> None:
    """An uncompressed ``.npz`` whose bytes depend on the arrays alone.

    ``np.savez`` stamps every member with the current time, so the same data would hash
    differently on every run; here each member gets a fixed date, as ``data.dvc`` needs.
    """
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, value in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with zf.open(info, "w") as fh:
                np.lib.format.write_array(fh, np.asarray(value), allow_pickle=False)


class DatasetWriter:
    """One folder of ``landmarks/<id>.npy`` plus ``annotations.csv``, stamped with its settings.

    Shared by every synthetic generator: the stamp makes generation idempotent
    (same settings, nothing rewritten) and is part of the bytes ``data.dvc`` hashes. With a
    ``frame`` size the recordings are ``.npz`` files that carry it with their fps, as a
    video's landmarks do (the finger-tapping features measure angles in pixels).
    """

    def __init__(self, out_dir: Path, stamp: dict, frame: tuple[int, int] | None = None) -> None:
        self.frame = frame
        self.out_dir = Path(out_dir)
        self.annotations = self.out_dir / ANNOTATIONS
        self._stamp_path = self.out_dir / "generator.json"
        self._stamp = json.dumps(stamp, sort_keys=True)
        self.rows: list[dict] = []

    @property
    def up_to_date(self) -> bool:
        return (
            self.annotations.is_file()
            and self._stamp_path.is_file()
            and self._stamp_path.read_text() == self._stamp
        )

    def add(self, points: np.ndarray, **row: object) -> None:
        """Save one recording; ``row`` holds its manifest fields (sample_id first)."""
        (self.out_dir / "landmarks").mkdir(parents=True, exist_ok=True)
        if self.frame is None:
            rel = f"landmarks/{row['sample_id']}.npy"
            np.save(self.out_dir / rel, points, allow_pickle=False)
        else:
            rel = f"landmarks/{row['sample_id']}.npz"
            write_npz(
                self.out_dir / rel,
                points=points,
                presence=np.ones(len(points), dtype=bool),
                fps=float(row["fps"]),  # type: ignore[arg-type]
                width=self.frame[0],
                height=self.frame[1],
                layout=str(row["layout"]),
            )
        self.rows.append({**row, "source": rel, "n_frames": int(points.shape[0])})

    def close(self, columns: list[str]) -> Path:
        pd.DataFrame(self.rows)[columns].to_csv(self.annotations, index=False)
        self._stamp_path.write_text(self._stamp)
        return self.annotations


COLUMNS = [
    "sample_id",
    "subject_id",
    "task",
    "side",
    "label",
    "source",
    "fps",
    "dataset",
    "layout",
    "n_frames",
]
# The frame the synthetic hand is "filmed" in: PARK's features measure angles in pixels, so a
# landmark recording must say its frame size (a webcam's 1280 x 720).
FRAME = (1280, 720)


def generate(out_dir: Path, cfg: SyntheticConfig | None = None) -> Path:
    """Write the dataset into ``out_dir`` (idempotent) and return the annotation CSV path."""
    cfg = cfg or SyntheticConfig()
    writer = DatasetWriter(out_dir, {"generator": 2, **cfg.model_dump()}, frame=FRAME)
    if writer.up_to_date:
        return writer.annotations

    latent = _subject_severities(cfg.n_subjects, np.random.default_rng(cfg.seed))
    for subj in range(cfg.n_subjects):
        for side_idx, side in enumerate(("left", "right")):
            for session in range(cfg.sessions):
                rng = np.random.default_rng([cfg.seed, subj, side_idx, session])
                severity = int(np.clip(np.rint(latent[subj] + rng.normal(0, 0.5)), 0, 4))
                profile = TappingProfile.sample(severity, rng)
                n_frames = round(rng.uniform(10.0, 15.0) * cfg.fps)
                aperture = aperture_curve(profile, n_frames, cfg.fps, rng)
                writer.add(
                    render_hand(aperture, profile, side, cfg.fps, rng),
                    sample_id=f"S{subj:03d}_{side[0].upper()}_{session}",
                    subject_id=f"S{subj:03d}",
                    task="finger_tapping",
                    side=side,
                    label=severity,
                    fps=cfg.fps,
                    dataset=DATASET,
                    layout=LAYOUT,
                )
    return writer.close(COLUMNS)
