"""The landmark contract (docs/ARCHITECTURE.md): float32 ``[frames, joints, 3]``, presence, fps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hawkeye.errors import HawkeyeError

# Joint counts per named layout, as the files and their specs define them.
JOINT_LAYOUTS: dict[str, int] = {
    "mediapipe_hand_21": 21,
    "mediapipe_pose_33": 33,
    "kinect_v2_25": 25,
    "kinect_v1_20": 20,
    "msr_action3d_20": 20,  # Kinect v1 skeleton in MSR Action3D's own joint order
    "coco_18": 18,
    "coco_17": 17,
    "uiprmd_kinect_22": 22,
    "keraal_vicon_17": 17,
    "natops_8": 8,
}

# MediaPipe hand landmark indices that features refer to by name.
HAND = {
    "wrist": 0,
    "thumb_tip": 4,
    "index_mcp": 5,
    "index_tip": 8,
    "middle_mcp": 9,
    "pinky_mcp": 17,
}


class LandmarkError(HawkeyeError, ValueError):
    """A landmark array that breaks the contract; the message says what to fix."""


@dataclass(frozen=True)
class LandmarkSequence:
    points: np.ndarray  # float32 [frames, joints, 3]
    presence: np.ndarray  # bool [frames]
    layout: str
    fps: float
    # The decoded frame's size in pixels. Normalised coordinates hide the aspect ratio, and
    # PARK's angle is measured in pixels, so the finger-tapping features need it; None when
    # the source did not say (a bare .npy without width/height in its annotation row).
    width: int | None = None
    height: int | None = None
    # Measured length of the recording in seconds (the container's duration for a video);
    # None: frames / fps.
    duration: float | None = None

    def __post_init__(self) -> None:
        validate(self.points, self.presence, self.layout, self.fps)
        for name in ("width", "height"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise LandmarkError(f"frame {name} must be positive, got {value}")
        if self.duration is not None and not self.duration > 0:
            raise LandmarkError(f"duration must be positive, got {self.duration}")

    @property
    def n_frames(self) -> int:
        return int(self.points.shape[0])

    @property
    def duration_s(self) -> float:
        return self.duration if self.duration is not None else self.n_frames / self.fps

    @property
    def frame_size(self) -> tuple[int, int] | None:
        """``(width, height)`` in pixels, or None when the source did not record it."""
        if self.width is None or self.height is None:
            return None
        return int(self.width), int(self.height)


def validate(points: np.ndarray, presence: np.ndarray, layout: str, fps: float) -> None:
    """Raise :class:`LandmarkError` naming the first broken rule."""
    if layout not in JOINT_LAYOUTS:
        raise LandmarkError(f"unknown joint layout {layout!r}; known: {sorted(JOINT_LAYOUTS)}")
    if points.ndim != 3 or points.shape[2] != 3:
        raise LandmarkError(f"landmarks must be [frames, joints, 3], got shape {points.shape}")
    if points.shape[1] != JOINT_LAYOUTS[layout]:
        raise LandmarkError(
            f"layout {layout} has {JOINT_LAYOUTS[layout]} joints, array has {points.shape[1]}"
        )
    if points.shape[0] == 0 or not presence.any():
        raise LandmarkError("no frame has landmarks (empty recording or nothing detected)")
    if presence.shape != (points.shape[0],):
        raise LandmarkError(f"presence mask shape {presence.shape} != ({points.shape[0]},)")
    if not np.isfinite(points[presence]).all():
        raise LandmarkError("non-finite coordinates in frames marked present")
    if not fps > 0:
        raise LandmarkError(f"fps must be positive, got {fps}")


def _optional(value: object) -> float | None:
    """A number from an annotation cell or an npz scalar; None for blank / NaN / absent."""
    if value is None:
        return None
    try:
        number = float(np.asarray(value))
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def load_sequence(
    path: Path,
    layout: str | None = None,
    fps: float | None = None,
    width: float | None = None,
    height: float | None = None,
    duration: float | None = None,
) -> LandmarkSequence:
    """Load a ``.npy`` array (all frames present) or a ``.npz`` with ``points`` and ``presence``.

    An ``.npz`` written by Hawkeye (``hawkeye landmarks extract``, the landmark cache) also
    carries ``fps``, ``width``, ``height``, ``duration`` and ``layout``; values passed here
    (from an annotation row) win over the file's. Without either, the layout is MediaPipe's
    21-joint hand.
    """
    path = Path(path)
    if not path.is_file():
        raise LandmarkError(f"landmark file not found: {path}")
    stored: dict[str, object] = {}
    try:
        if path.suffix == ".npz":
            with np.load(path) as z:
                points, presence = z["points"], z["presence"].astype(bool)
                stored = {
                    k: z[k] for k in ("fps", "width", "height", "duration", "layout") if k in z
                }
        else:
            points = np.load(path, allow_pickle=False)
            presence = np.ones(points.shape[0] if points.ndim else 0, dtype=bool)
    except (OSError, ValueError, KeyError) as exc:
        raise LandmarkError(f"cannot read landmarks from {path.name}: {exc}") from exc
    rate = _optional(fps) or _optional(stored.get("fps"))
    if rate is None:
        raise LandmarkError(f"{path.name}: no frame rate (give an fps column or a file with fps)")
    w, h = (
        _optional(width) or _optional(stored.get("width")),
        _optional(height) or _optional(stored.get("height")),
    )
    return LandmarkSequence(
        points.astype(np.float32, copy=False),
        presence,
        layout or str(stored.get("layout", "mediapipe_hand_21")),
        float(rate),
        int(w) if w else None,
        int(h) if h else None,
        _optional(duration) or _optional(stored.get("duration")),
    )
