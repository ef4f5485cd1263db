"""Key frames of the video with the tracked landmarks drawn on them, as inline JPEG.

The frames are decoded with OpenCV in order, exactly as the landmark extractor decoded
them, so frame ``i`` of the video is frame ``i`` of the landmark sequence.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hawkeye.landmarks.sequence import LandmarkSequence

# MediaPipe's hand connections (mediapipe.solutions.hands.HAND_CONNECTIONS), written out so
# that a report does not need to import mediapipe.
HAND_CONNECTIONS = (
    (0, 1), (1, 2), (2, 3), (3, 4),  # thumb
    (0, 5), (5, 6), (6, 7), (7, 8),  # index finger
    (5, 9), (9, 10), (10, 11), (11, 12),  # middle finger
    (9, 13), (13, 14), (14, 15), (15, 16),  # ring finger
    (13, 17), (0, 17), (17, 18), (18, 19), (19, 20),  # little finger, palm
)  # fmt: skip
# The lines PARK's angle is measured between: wrist to thumb tip, wrist to index tip.
HAND_ANGLE = ((0, 4), (0, 8))
# MediaPipe pose: the main skeleton, per side (left, right) and the trunk.
POSE_LEFT = ((11, 13), (13, 15), (23, 25), (25, 27), (27, 29), (29, 31), (27, 31))
POSE_RIGHT = ((12, 14), (14, 16), (24, 26), (26, 28), (28, 30), (30, 32), (28, 32))
POSE_TRUNK = ((11, 12), (11, 23), (12, 24), (23, 24))

# BGR colours, drawn over a dark outline so they show on any background.
_WHITE, _YELLOW, _ORANGE, _CYAN = (235, 235, 235), (0, 215, 255), (0, 140, 255), (230, 190, 0)
_OUTLINE = (20, 20, 20)


@dataclass(frozen=True)
class KeyFrame:
    index: int  # frame of the video / landmark sequence
    data_uri: str  # data:image/jpeg;base64,...
    width: int
    height: int
    drawn: bool  # landmarks drawn (False: the video's frame size does not match them)


def _lines(layout: str) -> list[tuple[tuple[tuple[int, int], ...], tuple[int, int, int]]]:
    if layout == "mediapipe_hand_21":
        return [(HAND_CONNECTIONS, _WHITE), (HAND_ANGLE, _YELLOW)]
    if layout == "mediapipe_pose_33":
        return [(POSE_TRUNK, _WHITE), (POSE_LEFT, _ORANGE), (POSE_RIGHT, _CYAN)]
    return []


def _draw(frame: np.ndarray, pix: np.ndarray, layout: str) -> None:
    """Landmarks (pixel x, y of this frame) on a BGR frame, in place."""
    import cv2

    pix = np.round(pix).astype(int)
    thick = max(2, round(frame.shape[1] / 240))
    groups = _lines(layout)
    used = sorted({j for pairs, _ in groups for pair in pairs for j in pair})
    for pairs, colour in groups:
        for a, b in pairs:
            pa, pb = tuple(int(v) for v in pix[a]), tuple(int(v) for v in pix[b])
            cv2.line(frame, pa, pb, _OUTLINE, thick + 2, cv2.LINE_AA)
            cv2.line(frame, pa, pb, colour, thick, cv2.LINE_AA)
    for j in used:
        centre = tuple(int(v) for v in pix[j])
        cv2.circle(frame, centre, thick + 2, _OUTLINE, -1, cv2.LINE_AA)
        cv2.circle(frame, centre, thick + 1, _YELLOW if j in (4, 8) else _WHITE, -1, cv2.LINE_AA)


def _body_crop(pix: np.ndarray, w: int, h: int) -> tuple[int, int, int, int]:
    """A box around a whole body (x0, y0, x1, y1), 3:4 portrait, with a margin, in the frame."""
    low, high = pix.min(axis=0), pix.max(axis=0)
    centre = (low + high) / 2
    height = min(max((high[1] - low[1]) * 1.3, (high[0] - low[0]) * 1.3 * 4 / 3, 0.2 * h), h)
    width = min(height * 3 / 4, w)
    x0 = int(np.clip(centre[0] - width / 2, 0, w - width))
    y0 = int(np.clip(centre[1] - height / 2, 0, h - height))
    return x0, y0, int(x0 + width), int(y0 + height)


def _same_aspect(shape: tuple[int, ...], seq: LandmarkSequence) -> bool:
    if seq.frame_size is None:
        return True
    w, h = seq.frame_size
    return abs(shape[1] / shape[0] - w / h) < 0.02 * (w / h)


def key_frames(
    video: Path,
    seq: LandmarkSequence,
    indices: list[int],
    max_width: int = 480,
    quality: int = 80,
    crop_body: bool | None = None,
) -> list[KeyFrame]:
    """The frames ``indices`` of ``video`` with ``seq``'s landmarks drawn, downscaled to at
    most ``max_width`` px wide; empty when the video cannot be read (frames beyond its end
    are left out). ``crop_body`` (default: for a pose) cuts each frame to the body, so a
    walker crossing a wide room is not a few pixels tall."""
    import cv2

    video = Path(video)
    if not indices or not video.is_file():
        return []
    cap = cv2.VideoCapture(str(video))
    if not cap.isOpened():
        return []
    crop_body = seq.layout == "mediapipe_pose_33" if crop_body is None else crop_body
    wanted, out = set(indices), []
    try:
        for i in range(max(indices) + 1):
            if not cap.grab():
                break
            if i not in wanted:
                continue
            ok, frame = cap.retrieve()
            if not ok or frame is None:
                continue
            h, w = frame.shape[:2]
            drawn = bool(seq.presence[i]) and _same_aspect((h, w), seq)
            pix = seq.points[i, :, :2].astype(np.float64) * [w, h]
            if drawn and crop_body:
                x0, y0, x1, y1 = _body_crop(pix, w, h)
                frame, pix = frame[y0:y1, x0:x1], pix - [x0, y0]
                h, w = frame.shape[:2]
            if w > max_width:
                f = max_width / w
                size = (max_width, max(1, round(h * f)))
                frame, pix = cv2.resize(frame, size, interpolation=cv2.INTER_AREA), pix * f
            if drawn:
                _draw(frame, pix, seq.layout)
            ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if not ok:
                continue
            uri = "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode("ascii")
            out.append(KeyFrame(i, uri, frame.shape[1], frame.shape[0], drawn))
    except cv2.error:
        return out
    finally:
        cap.release()
    return out
