"""Landmark extraction throughput: bare MediaPipe loop vs the landmark step, and the cache.

Protocol (one process run, same machine, same videos):
- videos: the shared real videos, each looped to a clinical 10 s and written three ways
  (as is, mirrored, time-reversed) so that every file has distinct content (the content-hash
  cache would otherwise dedupe them);
- bare: the loop people write by hand: one process, cv2 -> RGB -> mp Pose.process, full frames;
- sequential: the step's own extractor (frames downscaled to 960 px) in one process, no cache;
- step: `extract_batch` with a process pool (one worker a core), empty cache;
- cached: the same `extract_batch` again (every video a cache hit).
Targets: step >= 1.7x the bare loop's frames/s on 2 cores; cached < 2% of the step's time.

Writes reports/benchmarks/landmarks.{json,md}. Usage: python benchmarks/landmarks.py
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import cv2
import mediapipe as mp

from hawkeye.config import LandmarkConfig
from hawkeye.landmarks.batch import VideoJob, extract_batch
from hawkeye.landmarks.cache import LandmarkCache
from hawkeye.landmarks.mediapipe_extractor import extract_video
from hawkeye.paths import shared_data_dir

OUT = Path(__file__).resolve().parents[1] / "reports" / "benchmarks"


def variants(video: Path, folder: Path, seconds: float = 10.0) -> list[Path]:
    """Three clinical-length clips from one video: as is, mirrored, and time-reversed.

    Clinical recordings last 10-15 s, the shared clips 2-3 s, so each clip is
    played forward and backward until it lasts ``seconds`` (ping-pong, so the
    motion stays continuous). Every file has distinct bytes (MPEG-4), so the
    content-hash cache cannot dedupe them.
    """
    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30
    frames = []
    while (ok_frame := cap.read())[0]:
        frames.append(ok_frame[1])
    cap.release()
    loop = []
    while len(loop) < seconds * fps:
        loop += frames if len(loop) // len(frames) % 2 == 0 else frames[::-1]
    out = []
    for name, seq in (("fwd", loop), ("flip", [cv2.flip(f, 1) for f in loop]), ("rev", loop[::-1])):
        path = folder / f"{video.stem}_{name}.mp4"
        h, w = seq[0].shape[:2]
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
        for f in seq:
            writer.write(f)
        writer.release()
        out.append(path)
    return out


def bare_loop(videos: list[Path]) -> tuple[int, float]:
    frames, start = 0, time.perf_counter()
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
        for video in videos:
            cap = cv2.VideoCapture(str(video))
            while (ok_frame := cap.read())[0]:
                pose.process(cv2.cvtColor(ok_frame[1], cv2.COLOR_BGR2RGB))
                frames += 1
            cap.release()
    return frames, time.perf_counter() - start


def main() -> None:
    src = sorted((shared_data_dir() / "videos").glob("*.avi")) + sorted(
        (shared_data_dir() / "videos").glob("*.mp4")
    )
    if not src:
        raise SystemExit(f"skipped: no videos under {shared_data_dir() / 'videos'}")
    cfg = LandmarkConfig(model="pose", model_complexity=1)
    with tempfile.TemporaryDirectory() as tmp:
        videos = [v for s in src for v in variants(s, Path(tmp))]
        frames, bare_s = bare_loop(videos)
        start = time.perf_counter()
        for v in videos:
            extract_video(v, cfg)
        seq_s = time.perf_counter() - start
        jobs = [VideoJob(v.stem, v) for v in videos]
        cache = LandmarkCache(Path(tmp) / "cache")
        step = extract_batch(jobs, cfg, cache)
        cached = extract_batch(jobs, cfg, cache)
    result = {
        "videos": len(videos),
        "frames": frames,
        "cpu_count": os.cpu_count(),
        "bare_fps": round(frames / bare_s, 1),
        "sequential_step_fps": round(frames / seq_s, 1),
        "step_fps": round(frames / step.seconds, 1),
        "step_seconds": round(step.seconds, 2),
        "cached_seconds": round(cached.seconds, 3),
        "speedup_vs_bare": round(bare_s / step.seconds, 2),
        "cached_share_of_step": round(cached.seconds / step.seconds, 4),
        "targets": {"speedup_vs_bare": 1.7, "cached_share_of_step": 0.02},
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "landmarks.json").write_text(json.dumps(result, indent=2) + "\n")
    md = [
        "# Landmark extraction (MediaPipe Pose, complexity 1)",
        "",
        f"{result['videos']} videos, {frames} frames, {result['cpu_count']} CPU cores, one run.",
        "",
        "| path | frames/s | seconds | vs bare |",
        "|---|---|---|---|",
        f"| bare loop (1 process, full frames) | {result['bare_fps']} | {bare_s:.2f} | 1.00x |",
        f"| step extractor, 1 process | {result['sequential_step_fps']} | {seq_s:.2f} "
        f"| {bare_s / seq_s:.2f}x |",
        f"| step, process pool | {result['step_fps']} | {step.seconds:.2f} "
        f"| {result['speedup_vs_bare']}x |",
        f"| step, cached re-run | - | {cached.seconds:.3f} | "
        f"{result['cached_share_of_step']:.2%} of the step |",
        "",
        "Targets: pool >= 1.7x bare; cached re-run < 2% of the first run.",
    ]
    (OUT / "landmarks.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
