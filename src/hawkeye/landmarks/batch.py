"""Landmarks for many videos: cache first, then a process pool over what is missing.

MediaPipe runs one graph per process, so videos (not frames) are the unit
of parallelism: each worker streams its own video. Workers write their
result to the cache themselves, so an interrupted batch keeps every video it
finished. Identical videos (same bytes and settings) are extracted once.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from hawkeye.config import LandmarkConfig
from hawkeye.landmarks.cache import LandmarkCache
from hawkeye.landmarks.mediapipe_extractor import Extraction, extract_video
from hawkeye.landmarks.qc import quality
from hawkeye.landmarks.sequence import LandmarkError
from hawkeye.paths import state_dir


@dataclass(frozen=True)
class VideoJob:
    sample_id: str
    video: Path
    side: str | None = None


@dataclass
class BatchResult:
    extractions: dict[str, Extraction] = field(default_factory=dict)  # sample_id -> landmarks
    qc: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # sample_id -> reason
    cache_hits: int = 0
    extracted: int = 0
    seconds: float = 0.0
    frames_extracted: int = 0


def default_cache(cfg: LandmarkConfig) -> LandmarkCache:
    return LandmarkCache(Path(cfg.cache_dir) if cfg.cache_dir else state_dir() / "landmark-cache")


def die_with_parent(parent: int, every_s: float = 1.0) -> None:
    """Worker initializer: exit when the process that started the pool is gone.

    A pool's workers outlive a parent killed with SIGKILL (no atexit, no pool shutdown),
    each holding a MediaPipe graph (~440 MB). A daemon thread polls the parent's pid and
    ends the worker once the parent has been replaced (re-parented to init or a reaper).
    """
    import threading

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(every_s)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def _worker(
    video: str, side: str | None, cfg_json: str, cache_root: str, key: str
) -> tuple[str, int, float]:
    """Extract one video into the cache; returns (key, frames, seconds)."""
    import cv2

    cv2.setNumThreads(1)  # one process a core already: OpenCV's own threads would oversubscribe
    cfg = LandmarkConfig.model_validate_json(cfg_json)
    start = time.perf_counter()
    ex = extract_video(Path(video), cfg, side)
    LandmarkCache(Path(cache_root)).put(key, ex)
    return key, len(ex.presence), time.perf_counter() - start


def extract_batch(
    jobs: Iterable[VideoJob],
    cfg: LandmarkConfig,
    cache: LandmarkCache | None = None,
    progress: bool = True,
) -> BatchResult:
    cache = cache or default_cache(cfg)
    result = BatchResult()
    start = time.perf_counter()
    keys: dict[str, str] = {}
    todo: dict[str, VideoJob] = {}  # key -> first job needing it
    loaded: dict[str, Extraction] = {}  # cache hits, read once
    for job in jobs:
        side = job.side if job.side in ("left", "right") else None
        try:
            key = cache.key(job.video, cfg, side)
        except OSError as exc:
            result.errors[job.sample_id] = f"cannot read video: {exc.strerror or exc} ({job.video})"
            continue
        keys[job.sample_id] = key
        hit = loaded.get(key) or cache.get(key)
        if hit is None:
            todo.setdefault(key, VideoJob(job.sample_id, job.video, side))
        else:
            loaded[key] = hit
    result.cache_hits = len(keys) - len(todo)

    failed: dict[str, str] = {}
    workers = min(cfg.workers or os.cpu_count() or 1, max(len(todo), 1))
    bar = tqdm(
        total=len(todo),
        desc=f"{cfg.model} landmarks",
        unit="video",
        disable=not progress or not todo,
    )
    payload = cfg.model_dump_json()

    def done(key: str, frames: int, seconds: float) -> None:
        result.extracted += 1
        result.frames_extracted += frames
        bar.set_postfix_str(f"{frames / max(seconds, 1e-9):.0f} fps/video")
        bar.update()

    if workers <= 1:
        for key, job in todo.items():
            try:
                done(*_worker(str(job.video), job.side, payload, str(cache.root), key))
            except LandmarkError as exc:
                failed[key] = str(exc)
                bar.update()
    else:
        ctx = multiprocessing.get_context("spawn")  # MediaPipe graphs do not survive fork
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            futures = {
                pool.submit(_worker, str(j.video), j.side, payload, str(cache.root), k): k
                for k, j in todo.items()
            }
            for future in as_completed(futures):
                try:
                    done(*future.result())
                except LandmarkError as exc:
                    failed[futures[future]] = str(exc)
                    bar.update()
                except BrokenProcessPool:
                    # A worker died (a decoder or MediaPipe crash): everything still pending is
                    # lost with it, but finished videos are cached, so a re-run resumes.
                    failed[futures[future]] = (
                        "extraction worker crashed; re-run to retry "
                        "(videos already extracted are cached)"
                    )
                    bar.update()
    bar.close()

    for sample_id, key in keys.items():
        if key in failed:
            result.errors[sample_id] = failed[key]
            continue
        ex = loaded.get(key) or cache.get(key)
        if ex is None:
            result.errors[sample_id] = "extraction produced no cache entry"
            continue
        result.extractions[sample_id] = ex
        result.qc[sample_id] = quality(ex.points, ex.presence, ex.fps) | {
            "qc_fps_from_file": float(ex.fps_from_file),
            "qc_declared_frames": float(ex.declared_frames),  # 0: the container does not say
        }
    result.seconds = time.perf_counter() - start
    return result


def export_batch(jobs: Iterable[VideoJob], cfg: LandmarkConfig, out: Path) -> BatchResult:
    """Extract ``jobs`` (through the cache) into ``out``: one ``<sample>.npz`` a video and
    ``qc.csv`` with every video's QC figures, its rejection reason, or its error."""
    import pandas as pd

    from hawkeye.landmarks.cache import write_extraction
    from hawkeye.landmarks.qc import rejection

    batch = extract_batch(jobs, cfg)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for sid, ex in batch.extractions.items():
        write_extraction(out / f"{sid}.npz", ex)
        rows.append(
            {"sample_id": sid, **batch.qc[sid], "qc_rejected": rejection(batch.qc[sid], cfg) or ""}
        )
    rows += [{"sample_id": sid, "error": reason} for sid, reason in batch.errors.items()]
    pd.DataFrame(rows).to_csv(out / "qc.csv", index=False)
    return batch
