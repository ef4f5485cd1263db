"""The landmark contract (docs/ARCHITECTURE.md): float32 ``[frames, joints, 3]``, presence, fps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hawkeye.errors import HawkeyeError


@dataclass(frozen=True)
class JointLayout:
    """A named joint layout: how many joints, and what a reader or detector knows of them.

    ``names`` and ``parents`` (the bone tree, -1 for a root) are optional.
    ``root`` (joints whose mean is the origin) and ``size`` (two joint groups whose
    distance is the body size) are what :mod:`hawkeye.features.motion` normalises by;
    without them it uses the centroid and the joints' RMS spread. ``lateral`` (the left
    and right joint groups, e.g. the shoulders) is the body's left-right line that
    ``view: canonical`` (:mod:`hawkeye.features.preprocess`) turns along x; without it
    the joint names are searched for left/right shoulders or hips. ``non_positional``:
    entries whose three values are no position (a joint's Euler angles beside the
    positions): preprocessing and augmentation leave them as they are.
    """

    name: str
    joints: int
    names: tuple[str, ...] = ()
    parents: tuple[int, ...] = ()
    root: tuple[int, ...] | None = None
    size: tuple[tuple[int, ...], tuple[int, ...]] | None = None
    lateral: tuple[tuple[int, ...], tuple[int, ...]] | None = None
    non_positional: tuple[int, ...] = ()


# Every named layout; JOINT_LAYOUTS is its joint-count view, in registration order (the
# sequence models' layout inference takes the first layout with a file's joint count).
LAYOUTS: dict[str, JointLayout] = {}
JOINT_LAYOUTS: dict[str, int] = {}


def register_layout(
    name: str,
    joints: int | tuple[str, ...],
    parents: tuple[int, ...] = (),
    root: tuple[int, ...] | None = None,
    size: tuple[tuple[int, ...], tuple[int, ...]] | None = None,
    lateral: tuple[tuple[int, ...], tuple[int, ...]] | None = None,
    non_positional: tuple[int, ...] = (),
) -> JointLayout:
    """Name a joint layout (``joints``: a count, or the joint names in order).

    A reader module declares the layouts it produces; registering a known name again
    must keep its joint count (it may add names, bones, root or size) and keeps its place.
    """
    names, count = ((), joints) if isinstance(joints, int) else (tuple(joints), len(joints))
    if count <= 0:
        raise ValueError(f"layout {name}: a layout needs joints, got {joints!r}")
    if parents and len(parents) != count:
        raise ValueError(f"layout {name}: {len(parents)} parents for {count} joints")
    old = LAYOUTS.get(name)
    if old is not None:
        if old.joints != count:
            raise ValueError(f"layout {name} has {old.joints} joints, cannot redefine as {count}")
        names, parents = names or old.names, parents or old.parents
        root, size = root if root is not None else old.root, size if size is not None else old.size
        lateral = lateral if lateral is not None else old.lateral
        non_positional = non_positional or old.non_positional
    if any(not 0 <= j < count for j in non_positional):
        raise ValueError(f"layout {name}: non_positional {non_positional} outside 0..{count - 1}")
    layout = JointLayout(
        name, count, names, parents, root, size, lateral, tuple(sorted(set(non_positional)))
    )
    LAYOUTS[name] = layout
    JOINT_LAYOUTS[name] = count
    return layout


def _ensure_layouts() -> None:
    """Import the skeleton readers, which register their layouts (a sequence built before
    anything imported them: a cached ``.npz`` read back, a test's synthetic skeleton)."""
    import hawkeye.data.readers  # noqa: F401


# MediaPipe hand landmark indices that features refer to by name.
HAND = {
    "wrist": 0,
    "thumb_tip": 4,
    "index_mcp": 5,
    "index_tip": 8,
    "middle_mcp": 9,
    "pinky_mcp": 17,
}

# Bone trees (``parents``; the graph nets read them, hawkeye.models.sequence.stgcn).
# MediaPipe's hand: each finger a chain from the wrist (MediaPipe's HAND_CONNECTIONS but
# for the palm's MCP-to-MCP links, which would close cycles).
HAND_PARENTS = (-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19)
# MediaPipe's pose (POSE_CONNECTIONS as two trees): the body from the left hip (23), the
# face from the nose (0); MediaPipe links the face to no body joint, and the mouth (9, 10)
# to nothing, so here the mouth hangs from the nose.
POSE_PARENTS = (
    -1, 0, 1, 2, 0, 4, 5, 3, 6, 0, 9,  # face: nose, eyes, ears, mouth
    23, 24, 11, 12, 13, 14, 15, 16, 15, 16, 15, 16,  # shoulders, arms, hands
    -1, 23, 23, 24, 25, 26, 27, 28, 27, 28,  # hips, legs, feet
)  # fmt: skip

# Detector and device layouts no single reader owns; readers add theirs at import
# (hawkeye.data.readers: kinect_v2_25, msr_action3d_20, uiprmd_kinect_22, keraal_vicon_17,
# natops_8). MediaPipe's hand: root the wrist, size wrist to middle MCP.
register_layout(
    "mediapipe_hand_21",
    21,
    parents=HAND_PARENTS,
    root=(HAND["wrist"],),
    size=((HAND["wrist"],), (HAND["middle_mcp"],)),
)
# MediaPipe pose: hip midpoint; torso length (shoulder midpoint to hip midpoint).
# Lateral line: left shoulder (11) to right shoulder (12).
register_layout(
    "mediapipe_pose_33",
    33,
    parents=POSE_PARENTS,
    root=(23, 24),
    size=((11, 12), (23, 24)),
    lateral=((11,), (12,)),
)
register_layout("kinect_v1_20", 20)
register_layout("coco_18", 18)  # OpenPose
register_layout("coco_17", 17)  # AlphaPose, and most COCO keypoint detectors


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
        _ensure_layouts()
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
