"""Landmark cache keyed by video content and extractor settings.

The key is the SHA-256 of the video bytes plus a hash of every setting that
changes MediaPipe's output (and the MediaPipe version), so a renamed or
copied video is still a hit, a re-encoded one is not, and changing the model
complexity re-extracts. Entries are written atomically (temp file + rename):
a run killed mid-way leaves finished videos cached and no half-written file,
so the next run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np

from hawkeye.config import LandmarkConfig
from hawkeye.landmarks.mediapipe_extractor import Extraction

# 2: entries carry the frame size and the measured duration (PARK's features need both);
# version-1 entries lack them and are re-extracted, never guessed.
EXTRACTOR_VERSION = 2
_FIELDS = (
    "points",
    "world",
    "presence",
    "fps",
    "layout",
    "fps_from_file",
    "width",
    "height",
    "duration",
    "declared_frames",
)
# Settings that do not change the landmarks, so they stay out of the key.
_NOT_IN_KEY = {"workers", "cache_dir", "min_detection_rate", "max_missing_run_s"}


def video_hash(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def settings_hash(cfg: LandmarkConfig, side: str | None) -> str:
    settings = {k: v for k, v in cfg.model_dump().items() if k not in _NOT_IN_KEY}
    settings |= {
        "side": side if cfg.model == "hands" else None,
        "extractor": EXTRACTOR_VERSION,
        "mediapipe": version("mediapipe"),
    }
    return hashlib.sha1(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LandmarkCache:
    root: Path

    def key(self, video: Path, cfg: LandmarkConfig, side: str | None) -> str:
        return f"{video_hash(video)}-{settings_hash(cfg, side)}"

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npz"

    def get(self, key: str) -> Extraction | None:
        path = self.path(key)
        return read_extraction(path) if path.is_file() else None

    def put(self, key: str, ex: Extraction) -> Path:
        return write_extraction(self.path(key), ex)


def read_extraction(path: Path) -> Extraction | None:
    """An extraction written by :func:`write_extraction`; None when unreadable or older."""
    try:
        with np.load(path) as z:
            v = {k: z[k] for k in _FIELDS}
    except (OSError, ValueError, KeyError):
        return None  # unreadable or pre-version-2 entry: extract again and overwrite it
    return Extraction(
        v["points"],
        v["world"],
        v["presence"].astype(bool),
        float(v["fps"]),
        str(v["layout"]),
        bool(v["fps_from_file"]),
        int(v["width"]),
        int(v["height"]),
        float(v["duration"]),
        int(v["declared_frames"]),
    )


def write_extraction(path: Path, ex: Extraction) -> Path:
    """Write atomically (temp file + rename): a killed run never leaves half a file.

    The same file serves the cache and ``hawkeye landmarks extract``; ``load_sequence``
    reads it back with its frame size, duration and fps.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **{k: getattr(ex, k) for k in _FIELDS})
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
