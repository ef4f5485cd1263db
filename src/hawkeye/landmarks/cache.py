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

EXTRACTOR_VERSION = 1
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
        if not path.is_file():
            return None
        try:
            with np.load(path) as z:
                return Extraction(
                    z["points"],
                    z["world"],
                    z["presence"].astype(bool),
                    float(z["fps"]),
                    str(z["layout"]),
                    bool(z["fps_from_file"]),
                )
        except (OSError, ValueError, KeyError):
            return None  # unreadable entry: extract again and overwrite it

    def put(self, key: str, ex: Extraction) -> Path:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(
                    fh,
                    points=ex.points,
                    world=ex.world,
                    presence=ex.presence,
                    fps=ex.fps,
                    layout=ex.layout,
                    fps_from_file=ex.fps_from_file,
                )
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path
