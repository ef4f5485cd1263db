"""N frames taken evenly over a video, decoded one at a time (a video never sits whole in memory).

The frame count in a container's header is a hint: when it is missing the
frames are counted in a first pass, and when it overstates the length the
sampling is redone over the frames that really decode.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hawkeye.landmarks.mediapipe_extractor import VideoError, open_video

__all__ = ["SampledFrames", "VideoError", "frame_indices", "sample_frames"]


@dataclass
class SampledFrames:
    images: list[np.ndarray]  # RGB uint8 [height, width, 3], long side at most max_side
    times_s: list[float]  # time of each frame from the start of the video
    indices: list[int]
    fps: float
    n_total: int  # frames in the video


def frame_indices(n_total: int, n: int) -> list[int]:
    """The middle frame of each of ``n`` equal segments (all frames when there are fewer)."""
    if n_total <= 0 or n <= 0:
        return []
    n = min(n, n_total)
    return sorted({int((i + 0.5) * n_total / n) for i in range(n)})


def _header_count(cap: Any) -> int:
    import cv2

    count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
    return int(count) if count and np.isfinite(count) and count > 0 else 0


def _count(path: Path) -> int:
    cap, _, _ = open_video(path)
    n = 0
    try:
        while cap.grab():
            n += 1
    finally:
        cap.release()
    return n


def _rgb(frame: np.ndarray, max_side: int | None) -> np.ndarray:
    import cv2

    h, w = frame.shape[:2]
    if max_side and max(h, w) > max_side:
        f = max_side / max(h, w)
        size = (max(1, round(w * f)), max(1, round(h * f)))
        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def _read_at(path: Path, targets: list[int], max_side: int | None) -> tuple[list, int]:
    """Frames at ``targets`` (sorted) and how many frames were decoded to reach them."""
    cap, _, _ = open_video(path)
    wanted, images, i = set(targets), [], 0
    try:
        while len(images) < len(targets) and cap.grab():
            if i in wanted:
                ok, frame = cap.retrieve()
                if ok:
                    images.append((i, _rgb(frame, max_side)))
            i += 1
    finally:
        cap.release()
    return images, i


def sample_frames(path: Path, n: int, max_side: int | None = 448) -> SampledFrames:
    """``n`` frames spread evenly over the video; raises ``VideoError`` when none decodes."""
    path = Path(path)
    cap, fps, _ = open_video(path)
    total = _header_count(cap)
    cap.release()
    if total == 0:
        total = _count(path)
    picked, decoded = _read_at(path, frame_indices(total, n), max_side)
    if len(picked) < min(n, total) and 0 < decoded < total:
        total = decoded  # the header overstated the length: sample the frames that exist
        picked, decoded = _read_at(path, frame_indices(total, n), max_side)
    if not picked:
        raise VideoError(f"no frame could be decoded from {path.name}")
    return SampledFrames(
        images=[img for _, img in picked],
        times_s=[i / fps for i, _ in picked],
        indices=[i for i, _ in picked],
        fps=float(fps),
        n_total=total,
    )
