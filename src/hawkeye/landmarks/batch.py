"""Landmarks for many videos: cache first, then a process pool over what is missing.

MediaPipe runs one graph per process, so videos (not frames) are the unit
of parallelism: each worker streams its own video. Workers write their
result to the cache themselves, so an interrupted batch keeps every video it
finished. Identical videos (same bytes and settings) are extracted once.

What is missing can go elsewhere instead of the pool: ``extract_batch(fanout=...)`` hands
the uncached videos to a :class:`Fanout` (the SLURM job array of ``stacks/slurm/array.py``),
whose workers run :func:`landmark_shard` and write into the same cache.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

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


@dataclass(frozen=True)
class ShardItem:
    """One video to landmark into the cache under ``key``: plain strings, so it pickles."""

    key: str
    video: str
    side: str | None = None


class Fanout(Protocol):
    """Runs :func:`landmark_shard` over ``items`` somewhere; what it could not land, and why.

    Every item it reports no reason for must be in ``cache`` when it returns.
    """

    def __call__(
        self, items: list[ShardItem], cfg: LandmarkConfig, cache: LandmarkCache
    ) -> dict[str, str]: ...


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


def landmark_shard(items: Sequence[ShardItem], cfg_json: str, cache_root: str) -> dict[str, Any]:
    """Landmark one shard of videos into the cache, one after the other: an array task's work.

    The arguments are plain (the settings as JSON, the cache's folder), so the call pickles
    for a job on another machine that shares the cache folder. A video already in the cache
    is skipped, so a shard re-run after its task was killed redoes only what it had not
    finished; a video MediaPipe cannot read is reported, not raised. Returns the keys done,
    cached and failed (with the reason), frames, and seconds per video done.
    """
    cache = LandmarkCache(Path(cache_root))
    report: dict[str, Any] = {"done": [], "cached": [], "failed": {}, "frames": 0, "seconds": {}}
    for item in items:
        if cache.get(item.key) is not None:
            report["cached"].append(item.key)
            continue
        try:
            _, frames, seconds = _worker(item.video, item.side, cfg_json, cache_root, item.key)
        except LandmarkError as exc:
            report["failed"][item.key] = str(exc)
            continue
        report["done"].append(item.key)
        report["frames"] += frames
        report["seconds"][item.key] = round(seconds, 3)
    return report


def shards(items: Sequence[ShardItem], size: int) -> list[list[ShardItem]]:
    """``items`` in consecutive shards of at most ``size``."""
    if size < 1:
        raise ValueError(f"shard size must be at least 1, not {size}")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def extract_batch(
    jobs: Iterable[VideoJob],
    cfg: LandmarkConfig,
    cache: LandmarkCache | None = None,
    progress: bool = True,
    fanout: Fanout | None = None,
) -> BatchResult:
    """Every job's landmarks: cache hits read, the rest extracted (by the pool or ``fanout``),
    each distinct video once."""
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

    if fanout is not None and todo:
        items = [ShardItem(k, str(j.video), j.side) for k, j in todo.items()]
        failed = dict(fanout(items, cfg, cache))
        return _gather(result, keys, loaded, failed, cache, start, fresh=set(todo) - set(failed))
    failed = _pool(todo, cfg, cache, progress, result)
    return _gather(result, keys, loaded, failed, cache, start)


def _pool(
    todo: dict[str, VideoJob],
    cfg: LandmarkConfig,
    cache: LandmarkCache,
    progress: bool,
    result: BatchResult,
) -> dict[str, str]:
    """Extract ``todo`` with a process pool (in process for one worker); failures by key."""
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
    return failed


def _gather(
    result: BatchResult,
    keys: dict[str, str],
    loaded: dict[str, Extraction],
    failed: dict[str, str],
    cache: LandmarkCache,
    start: float,
    fresh: set[str] | None = None,
) -> BatchResult:
    """Read every job's extraction (and QC) back from the cache; ``fresh``: keys a fan-out
    extracted, counted here (the pool counts its own as they finish)."""
    counted: set[str] = set()
    for sample_id, key in keys.items():
        if key in failed:
            result.errors[sample_id] = failed[key]
            continue
        ex = loaded.get(key) or cache.get(key)
        if ex is None:
            result.errors[sample_id] = "extraction produced no cache entry"
            continue
        if fresh is not None and key in fresh and key not in counted:
            counted.add(key)
            result.extracted += 1
            result.frames_extracted += len(ex.presence)
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
