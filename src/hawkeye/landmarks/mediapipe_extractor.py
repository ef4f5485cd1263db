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


def frames(cap: Any, max_side: int | None) -> Iterator[np.ndarray]:
    """RGB frames, downscaled so the long side is at most ``max_side``."""
    import cv2

    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                return
            h, w = frame.shape[:2]
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
    cap, fps, fps_ok = open_video(path)
    n = N_JOINTS[cfg.model]
    points, world, presence = [], [], []
    missing = np.full((n, 3), np.nan, dtype=np.float32)
    with build_solution(cfg) as solution:
        for rgb in frames(cap, cfg.max_side):
            result = solution.process(rgb)
            if cfg.model == "hands":
                i = _pick_hand(result, side, cfg.mirrored)
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
    )
