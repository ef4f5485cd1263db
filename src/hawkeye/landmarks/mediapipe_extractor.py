"""MediaPipe Hands / Pose over a video, frame by frame.

Uses the legacy ``mediapipe.solutions`` graphs of 0.10.21, whose models ship
in the wheel, so extraction runs offline. Frames are decoded and processed
one at a time: a long video never sits whole in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hawkeye.config import LandmarkConfig
from hawkeye.landmarks.sequence import LandmarkError

LAYOUTS = {"hands": "mediapipe_hand_21", "pose": "mediapipe_pose_33"}
N_JOINTS = {"hands": 21, "pose": 33}
DEFAULT_FPS = 30.0


class VideoError(LandmarkError):
    """The file is not a decodable video; the message says what was found."""


@dataclass
class Extraction:
    points: np.ndarray  # float32 [frames, joints, 3]: x, y normalised to the image, z relative
    world: (
        np.ndarray
    )  # float32 [frames, joints, 3]: metres (MediaPipe world landmarks), NaN if absent
    presence: np.ndarray  # bool [frames]
    fps: float
    layout: str
    fps_from_file: bool
    # The decoded frame as the video stores it (before any downscaling for MediaPipe): PARK's
    # angle is measured in these pixels, so the aspect ratio matters.
    width: int
    height: int
    # Measured: the last decoded frame's timestamp plus one frame interval (frames / fps when
    # the container gives no timestamps). ``declared_frames`` is what the container claims
    # (0 when it does not say), so a truncated file can be told from a short one.
    duration: float
    declared_frames: int = 0


def open_video(path: Path) -> tuple[Any, float, bool]:
    """An opened capture, its frame rate and whether the file stated a plausible one."""
    import cv2

    path = Path(path)
    if not path.is_file():
        raise VideoError(f"video not found: {path}")
    if path.stat().st_size == 0:
        raise VideoError(f"empty file (0 bytes): {path.name}")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise VideoError(
            f"cannot open as video: {path.name} (not a video, or a codec OpenCV lacks)"
        )
    fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
    plausible = 1.0 <= fps <= 480.0
    return cap, (fps if plausible else DEFAULT_FPS), plausible


@dataclass
class DecodeLog:
    """What the decoder saw, filled in while :func:`frames` streams."""

    width: int = 0
    height: int = 0
    frames: int = 0
    last_ms: float = 0.0  # presentation time of the last decoded frame

    def duration(self, fps: float) -> float:
        """Seconds from the first frame to the end of the last one."""
        by_count = self.frames / fps
        by_time = self.last_ms / 1000.0 + 1.0 / fps
        # Timestamps are trusted only when they tell the same story as the frame count.
        return (
            by_time
            if self.last_ms > 0 and abs(by_time - by_count) < 0.25 * by_count
            else (by_count)
        )


def frames(cap: Any, max_side: int | None, log: DecodeLog | None = None) -> Iterator[np.ndarray]:
    """RGB frames, downscaled so the long side is at most ``max_side``."""
    import cv2

    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                return
            h, w = frame.shape[:2]
            if log is not None:
                log.width, log.height, log.frames = w, h, log.frames + 1
                log.last_ms = float(cap.get(cv2.CAP_PROP_POS_MSEC) or 0.0)
            if max_side and max(h, w) > max_side:
                f = max_side / max(h, w)
                frame = cv2.resize(
                    frame, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA
                )
            yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    finally:
        cap.release()


def person_side(label: str, mirrored: bool) -> str:
    """MediaPipe labels handedness as seen in a mirrored (selfie) image."""
    side = label.lower()
    if mirrored:
        return side
    return "right" if side == "left" else "left"


def _landmark_array(landmarks: Any, n: int) -> np.ndarray:
    return np.array([[p.x, p.y, p.z] for p in landmarks.landmark[:n]], dtype=np.float32)


def _pick_hand(result: Any, side: str | None, mirrored: bool) -> int | None:
    """Index of the hand to keep: the annotated side, else the most confident one."""
    if not result.multi_hand_landmarks:
        return None
    best, best_score = None, -1.0
    for i, handed in enumerate(result.multi_handedness):
        c = handed.classification[0]
        if side in ("left", "right") and person_side(c.label, mirrored) != side:
            continue
        if c.score > best_score:
            best, best_score = i, c.score
    return best


PARK_MIN_HANDEDNESS = 0.9


def _pick_hand_park(result: Any, side: str | None, mirrored: bool) -> int | None:
    """PARK's rule: the annotated side with handedness confidence above 0.9; of two such
    hands the larger (wrist to thumb-tip length in the image); none when more qualify.

    PARK's recordings are not mirrored, so MediaPipe's label is reversed (``person_side``);
    without an annotated side every confident hand qualifies.
    """
    if not result.multi_hand_landmarks:
        return None
    qualified = []
    for i, handed in enumerate(result.multi_handedness):
        c = handed.classification[0]
        if c.score <= PARK_MIN_HANDEDNESS:
            continue
        if side in ("left", "right") and person_side(c.label, mirrored) != side:
            continue
        qualified.append(i)
    if len(qualified) == 1:
        return qualified[0]
    if len(qualified) != 2:
        return None

    def size(i: int) -> float:
        lm = result.multi_hand_landmarks[i].landmark
        return float(np.hypot(lm[0].x - lm[4].x, lm[0].y - lm[4].y))

    return max(qualified, key=size)


HAND_CHOICE = {"annotated": _pick_hand, "park": _pick_hand_park}


def build_solution(cfg: LandmarkConfig) -> Any:
    import mediapipe as mp

    common = {
        "static_image_mode": False,
        "model_complexity": cfg.model_complexity,
        "min_detection_confidence": cfg.min_detection_confidence,
        "min_tracking_confidence": cfg.min_tracking_confidence,
    }
    if cfg.model == "hands":
        return mp.solutions.hands.Hands(max_num_hands=2, **common)
    return mp.solutions.pose.Pose(enable_segmentation=False, smooth_landmarks=True, **common)


def extract_video(path: Path, cfg: LandmarkConfig, side: str | None = None) -> Extraction:
    """Landmarks of one video; frames without a detection are NaN with presence False."""
    import cv2

    cap, fps, fps_ok = open_video(path)
    declared = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    n = N_JOINTS[cfg.model]
    points, world, presence = [], [], []
    missing = np.full((n, 3), np.nan, dtype=np.float32)
    pick = HAND_CHOICE[cfg.hand_choice]
    log = DecodeLog()
    with build_solution(cfg) as solution:
        for rgb in frames(cap, cfg.max_side, log):
            result = solution.process(rgb)
            if cfg.model == "hands":
                i = pick(result, side, cfg.mirrored)
                found = i is not None
                img = _landmark_array(result.multi_hand_landmarks[i], n) if found else missing
                wld = (
                    _landmark_array(result.multi_hand_world_landmarks[i], n)
                    if found and result.multi_hand_world_landmarks
                    else missing
                )
            else:
                found = result.pose_landmarks is not None
                img = _landmark_array(result.pose_landmarks, n) if found else missing
                wld = (
                    _landmark_array(result.pose_world_landmarks, n)
                    if found and result.pose_world_landmarks
                    else missing
                )
            points.append(img)
            world.append(wld)
            presence.append(found)
    if not points:
        raise VideoError(f"no frame could be decoded from {Path(path).name}")
    return Extraction(
        np.stack(points),
        np.stack(world),
        np.array(presence, dtype=bool),
        float(fps),
        LAYOUTS[cfg.model],
        fps_ok,
        log.width,
        log.height,
        log.duration(float(fps)),
        max(declared, 0),
    )
