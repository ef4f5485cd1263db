"""The landmark fan-out: a SLURM job array vs the local process pool, and a task killed mid-way.

Protocol (one process run, the single-node cluster of scripts/slurm_up.sh):
- recordings: 40 byte-distinct copies of the shared real videos (``../shared/data/videos``,
  alternating), each the original's bytes plus a trailing MP4 ``free`` box / RIFF ``JUNK``
  chunk holding its name: the decoders skip it, so every copy has the original's frames, but
  its own SHA-256, so the content-hash cache cannot collapse the 40 to 2;
- MediaPipe Pose (complexity 1, the step's defaults), a fresh cache for every run;
- pool: ``extract_batch`` with its process pool, one worker a core (the default), and
  with 4 workers (as many processes as array %4 runs);
- array %P: the same ``extract_batch`` with the SLURM fan-out of the landmark step
  (``steps.landmark.SlurmLandmarkFanout`` over ``stacks.slurm.array.SlurmArray``): shards of
  ``SHARD`` videos, one array task each, at most P at once (``--array=0-9%P``);
- cancel: array %2 again; once task 3 has put 2 of its 4 videos in the cache, ``scancel
  <array>_3``; the step must resubmit shard 3 alone and redo only its unfinished videos;
- every run's landmarks are compared, array for array, with the pool's.
Per task: launch (sbatch to the task's Python start, first wave), start-up (Python start to
the shard function: interpreter, submitit, unpickling, imports), extraction (sum of the
videos' seconds), and overhead = launch + start-up + what the task spent outside extraction.

The ZenML step around it (the same call, ``build_features(fanout=...)``) adds its own fixed
cost either way and is measured in tests/integration/test_slurm_array.py.

Writes reports/benchmarks/slurm_arrays.{json,md}. Usage: python benchmarks/slurm_arrays.py
(SLURM up: ``sudo bash scripts/slurm_up.sh``; ``SLURM_NODE_CPUS`` sets the node's slots).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from hawkeye.config import LandmarkConfig
from hawkeye.landmarks.batch import BatchResult, VideoJob, extract_batch
from hawkeye.landmarks.cache import LandmarkCache
from hawkeye.paths import shared_data_dir
from stacks.slurm.array import ArraySettings, SlurmArray
from stacks.slurm.cluster import SlurmCLI
from stacks.slurm.runner import LocalRunner
from steps.landmark import SlurmLandmarkFanout

OUT = Path(__file__).resolve().parents[1] / "reports" / "benchmarks"
N = 40
SHARD = 4
KILL_INDEX = 3
KILL_AFTER = 2  # videos of the killed shard in the cache before scancel


def distinct_copy(src: Path, dest: Path, tag: str) -> Path:
    """``src``'s bytes plus a trailing box/chunk the decoders skip: same frames, new hash."""
    data, t = src.read_bytes(), tag.encode()
    if src.suffix.lower() == ".avi":
        extra = b"JUNK" + struct.pack("<I", len(t)) + t + b"\0" * (len(t) % 2)
    else:
        extra = struct.pack(">I", 8 + len(t)) + b"free" + t
    dest.write_bytes(data + extra)
    return dest


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _quiet(below: float = 3.0, at_most_s: float = 180.0) -> float:
    """Wait (a while) for the machine's other work to ease: its 1-min load below ``below``."""
    start = time.monotonic()
    while os.getloadavg()[0] >= below and time.monotonic() - start < at_most_s:
        time.sleep(5)
    return round(time.monotonic() - start, 1)


def _autogroup() -> str:
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip()
    except OSError:
        return "unknown"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _node() -> dict[str, Any]:
    info = subprocess.run(["scontrol", "show", "node"], capture_output=True, text=True).stdout
    fields = dict(kv.split("=", 1) for kv in info.split() if "=" in kv)
    version_line = subprocess.run(["sinfo", "--version"], capture_output=True, text=True).stdout
    return {
        "slurm": version_line.strip(),
        "node": fields.get("NodeName"),
        "cpus": int(fields.get("CPUTot", 0)),
        "real_memory_mb": int(fields.get("RealMemory", 0)),
    }


def _same(reference: BatchResult, other: BatchResult) -> bool:
    for sid, ex in reference.extractions.items():
        got = other.extractions.get(sid)
        if got is None or not (
            np.array_equal(ex.presence, got.presence)
            and np.array_equal(ex.points, got.points, equal_nan=True)
            and np.array_equal(ex.world, got.world, equal_nan=True)
        ):
            return False
    return len(reference.extractions) == len(other.extractions)


def _mean(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return round(statistics.fmean(kept), 3) if kept else None


def _task_figures(report: dict[str, Any], max_parallel: int) -> dict[str, Any]:
    """Per-task means over the first attempt of every shard (first-wave launch only)."""
    rows = report["per_shard"]
    first_wave = [r for r in rows if r["attempts"] == 1 and r["shard"] < max_parallel]
    clean = [r for r in rows if r["attempts"] == 1]
    overhead = [
        r["node_s"] - r["seconds"] for r in clean if r["node_s"] is not None and "seconds" in r
    ]
    launch = _mean([r["launch_s"] for r in first_wave])
    cpu = [r["cpu_s"] for r in rows if r.get("cpu_s") is not None]
    figures = {
        "tasks": report["tasks"],
        "cpu_s": round(sum(cpu), 2),  # completed attempts' task processes (killed ones unknown)
        "startup_cpu_s": _mean([r.get("startup_cpu_s") for r in clean]),
        "sbatch_calls": len(report["submissions"]),
        "launch_s_first_wave": launch,
        "startup_s": _mean([r["startup_s"] for r in clean]),
        "extraction_s": _mean([r["seconds"] for r in clean]),
        "in_task_outside_extraction_s": _mean(overhead),
        "node_s": _mean([r["node_s"] for r in clean]),
    }
    figures["overhead_per_task_s"] = round(
        (launch or 0) + (figures["in_task_outside_extraction_s"] or 0), 3
    )
    return figures


def run_pool(jobs: list[VideoJob], cfg: LandmarkConfig, root: Path) -> tuple[BatchResult, dict]:
    waited = _quiet()
    load = _load()
    cpu = _children_cpu()
    start = time.perf_counter()
    cache = LandmarkCache(root / f"cache-pool-{cfg.workers}")
    result = extract_batch(jobs, cfg, cache, progress=False)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu  # the pool's workers, reaped when it shut down
    assert result.extracted == len(jobs) and not result.errors, result.errors
    return result, {
        "wall_s": round(wall, 2),
        "workers": min(cfg.workers or os.cpu_count() or 1, len(jobs)),
        "frames": result.frames_extracted,
        "frames_per_s": round(result.frames_extracted / wall, 1),
        "cpu_s": round(cpu, 2),
        "waited_for_quiet_s": waited,
        "load_before": load,
        "load_after": _load(),
    }


def run_array(
    jobs: list[VideoJob],
    cfg: LandmarkConfig,
    root: Path,
    max_parallel: int,
    name: str,
    kill: bool = False,
) -> tuple[BatchResult, dict]:
    cache = LandmarkCache(root / f"cache-{name}")
    job_name = f"hawkeye-bench-{name}-{uuid.uuid4().hex[:6]}"
    settings = ArraySettings(
        shard_size=SHARD,
        max_parallel=max_parallel,
        retries=1,
        time_limit_min=15,
        mem="2G",
        poll_interval_s=1.0,
        job_name=job_name,
    )
    array = SlurmArray(settings, SlurmCLI(LocalRunner()), root / f"jobs-{name}")
    fanout = SlurmLandmarkFanout(array)
    box: dict[str, Any] = {}
    waited = _quiet()
    load = _load()
    start = time.perf_counter()

    def work() -> None:
        try:
            box["result"] = extract_batch(jobs, cfg, cache, progress=False, fanout=fanout)
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=work)
    worker.start()
    killed: dict[str, Any] = {}
    if kill:
        killed = _kill_mid_way(jobs, cfg, cache, job_name, worker)
    worker.join()
    wall = time.perf_counter() - start
    if "error" in box:
        raise box["error"]
    result: BatchResult = box["result"]
    report = fanout.report
    figures = _task_figures(report, max_parallel)
    out = {
        "wall_s": round(wall, 2),
        "max_parallel": max_parallel,
        "shard_size": SHARD,
        "frames": result.frames_extracted,
        "frames_per_s": round(result.frames_extracted / wall, 1),
        "extracted": result.extracted,
        "errors": result.errors,
        **figures,
        "waited_for_quiet_s": waited,
        "load_before": load,
        "load_after": _load(),
        "submissions": report["submissions"],
        "per_shard": report["per_shard"],
        "scripts": {
            s["array_job_id"]: Path(s["script"]).read_text() for s in report["submissions"]
        },
    }
    if killed:
        shard = report["per_shard"][KILL_INDEX]
        retry = report["submissions"][1] if len(report["submissions"]) > 1 else None
        out["kill"] = killed | {
            "shard_attempts": [r["attempts"] for r in report["per_shard"]],
            "retried_shards": report["retried_shards"],
            "retry_indices": retry["indices"] if retry else [],
            "retry_array": retry["array"] if retry else "",
            "retry_cached": shard["cached"],
            "retry_done": shard["done"],
            "only_its_shard_reran": bool(
                retry
                and retry["indices"] == [KILL_INDEX]
                and [r["attempts"] for r in report["per_shard"]]
                == [2 if i == KILL_INDEX else 1 for i in range(len(report["per_shard"]))]
            ),
            "finished_not_redone": shard["cached"] == len(killed["in_cache_after_kill"])
            and shard["done"] == SHARD - len(killed["in_cache_after_kill"]),
        }
    return result, out


def _squeue(name: str) -> dict[str, str]:
    text = subprocess.run(
        ["squeue", "-h", "-r", "-n", name, "-o", "%i %T"], capture_output=True, text=True
    ).stdout
    return dict(line.split() for line in text.splitlines() if line.strip())


def _kill_mid_way(
    jobs: list[VideoJob],
    cfg: LandmarkConfig,
    cache: LandmarkCache,
    job_name: str,
    worker: threading.Thread,
) -> dict[str, Any]:
    keys = [
        cache.key(j.video, cfg, None) for j in jobs[KILL_INDEX * SHARD : (KILL_INDEX + 1) * SHARD]
    ]
    task = None
    while worker.is_alive():
        task = next(
            (
                t
                for t, s in _squeue(job_name).items()
                if t.endswith(f"_{KILL_INDEX}") and s == "RUNNING"
            ),
            None,
        )
        if task and sum(cache.path(k).is_file() for k in keys) >= KILL_AFTER:
            break
        time.sleep(0.2)
    assert task, f"task {KILL_INDEX} never ran"
    before = [k for k in keys if cache.path(k).is_file()]
    subprocess.run(["scancel", task], check=True)
    scancelled = time.time()
    state = ""
    for _ in range(120):
        info = subprocess.run(
            ["scontrol", "show", "job", "--oneliner", task], capture_output=True, text=True
        ).stdout
        state = next((w.split("=")[1] for w in info.split() if w.startswith("JobState=")), "")
        if state == "CANCELLED":
            break
        time.sleep(0.25)
    after = [k for k in keys if cache.path(k).is_file()]
    return {
        "task": task,
        "command": f"scancel {task}",
        "in_cache_at_scancel": len(before),
        "in_cache_after_kill": after,
        "state": state,
        "seconds_to_cancelled": round(time.time() - scancelled, 2),
    }


def markdown(report: dict[str, Any]) -> str:
    pools, runs = report["pools"], report["arrays"]
    pool = pools["pool"]
    kill = runs["cancel_p2"]["kill"]
    lines = [
        "# Landmark fan-out: SLURM job array vs the local process pool",
        "",
        f"{report['recordings']} recordings (byte-distinct copies of the "
        f"{len(report['sources'])} shared real videos, {pool['frames']} frames), MediaPipe "
        f"Pose, a fresh cache each run; {report['machine']['cores']} CPU cores shared by the "
        f"whole machine (other work ran beside it: load averages below), a single-node SLURM "
        f"cluster ({report['cluster']['slurm']}) offering {report['cluster']['cpus']} CPUs "
        f"on those cores; one run each, in the order {', '.join(report['order'])}. "
        "`python benchmarks/slurm_arrays.py`.",
        "",
        "| run | wall s | frames/s | CPU s | tasks | sbatch calls | launch s (1st wave) | "
        "start-up s (CPU s) | extraction s/task | overhead s/task | load (1 min) before→after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in pools.values():
        lines.append(
            f"| local pool, {r['workers']} workers | {r['wall_s']} | {r['frames_per_s']} "
            f"| {r['cpu_s']} | - | - | - | - | - | - | "
            f"{r['load_before'][0]}→{r['load_after'][0]} |"
        )
    for r in runs.values():
        label = f"array %{r['max_parallel']}, {r['shard_size']} videos/task"
        if "kill" in r:
            label += f", `scancel` of task {KILL_INDEX}"
        lines.append(
            f"| {label} | {r['wall_s']} | {r['frames_per_s']} | {r['cpu_s']} | {r['tasks']} | "
            f"{r['sbatch_calls']} | {r['launch_s_first_wave']} | {r['startup_s']} "
            f"({r['startup_cpu_s']}) | {r['extraction_s']} | {r['overhead_per_task_s']} | "
            f"{r['load_before'][0]}→{r['load_after'][0]} |"
        )
    lines += [
        "",
        "Launch: from the `sbatch` call to the task's Python process starting (tasks of the "
        "first wave, which wait for no `%` slot). Start-up: from that to the shard function "
        "(interpreter, submitit, unpickling, imports). Overhead per task: launch plus "
        "everything the task spent outside extraction (start-up included). The pool pays its "
        "own start-up once a worker, the array once a task. CPU s: user + system seconds of "
        "the pool's workers, or of the array's completed task processes (a killed attempt's "
        "are not counted). Before each run the benchmark waits up to 3 min for the 1-min "
        "load to fall below 3. Every array run's landmarks "
        "equal the pool's, array for array: "
        f"{all(r['same_as_pool'] for r in runs.values())}.",
        "",
        "Reading the wall times: the machine's 2 cores were shared with other work "
        "throughout (the load column), so one run's wall time moves by tens of seconds with "
        "what else ran. And with the kernel's autogroup scheduling on "
        f"(`sched_autogroup_enabled` = {report['machine'].get('sched_autogroup')}), CPU "
        "time is shared out per session: every SLURM task runs in a session of its own, "
        "while the pool's workers share the benchmark's one. So 4 array tasks take a "
        "larger share of a busy machine than 4 pool workers do. That share, and not extra "
        "capacity, is why array %4 finishes before the 4-worker pool; there are only 2 "
        "cores. What the array itself costs is the overhead column: paid once a task, "
        "against the extraction column for a shard of 4 of these 2.5-3.5 s clips (a "
        "clinical recording of 10-15 s holds several times more).",
        "",
        "## One task killed mid-way",
        "",
        f"`{kill['command']}` once {kill['in_cache_at_scancel']} of its {SHARD} videos were "
        f"in the cache. SLURM reported {kill['state']} {kill['seconds_to_cancelled']} s "
        f"later, with {len(kill['in_cache_after_kill'])} of its videos cached. The step "
        f"resubmitted shard(s) {kill['retry_indices']} alone (`--array={kill['retry_array']}`): "
        f"the retry found {kill['retry_cached']} cached and extracted {kill['retry_done']}. "
        f"Attempts per shard: {kill['shard_attempts']}. Only its shard reran: "
        f"{kill['only_its_shard_reran']}; finished videos not redone: "
        f"{kill['finished_not_redone']}.",
        "",
        "## The batch scripts (as submitit wrote them, read back from the job folder)",
        "",
    ]
    for name in ("array_p2", "cancel_p2"):
        for job_id, script in runs[name]["scripts"].items():
            lines += [f"`{name}`, array job {job_id}:", "", "```bash", script.strip(), "```", ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    folder = shared_data_dir() / "videos"
    sources = sorted(folder.glob("*.mp4")) + sorted(folder.glob("*.avi"))
    if not sources:
        sys.exit(f"no videos in {folder} (set HAWKEYE_SHARED_DATA)")
    cfg = LandmarkConfig(model="pose")
    with tempfile.TemporaryDirectory(prefix="hawkeye-slurm-arrays-") as tmp:
        root = Path(tmp)
        (root / "videos").mkdir()
        jobs = []
        for i in range(N):
            src = sources[i % len(sources)]
            dest = root / "videos" / f"rec{i:02d}{src.suffix}"
            jobs.append(VideoJob(f"rec{i:02d}", distinct_copy(src, dest, f"rec{i:02d}")))
        cores = os.cpu_count() or 1
        reference, pool = run_pool(jobs, cfg.model_copy(update={"workers": cores}), root)
        print(f"pool: {pool['wall_s']} s", flush=True)
        pools = {"pool": pool}
        arrays: dict[str, dict[str, Any]] = {}

        def array(name: str, parallel: int, kill: bool = False) -> None:
            result, figures = run_array(jobs, cfg, root, parallel, name, kill)
            figures["same_as_pool"] = _same(reference, result)
            arrays[name] = figures
            print(f"{name}: {figures['wall_s']} s, {figures['tasks']} tasks", flush=True)

        # Interleaved, so that a change in the machine's other load hits both kinds alike.
        array("array_p2", 2)
        if cores != 4:
            other, pools["pool_4"] = run_pool(jobs, cfg.model_copy(update={"workers": 4}), root)
            assert _same(reference, other), "the 4-worker pool's landmarks differ"
            print(f"pool 4 workers: {pools['pool_4']['wall_s']} s", flush=True)
        array("array_p4", 4)
        array("cancel_p2", 2, kill=True)
    report = {
        "order": ["pool", "array_p2", "pool_4", "array_p4", "cancel_p2"],
        "recordings": N,
        "sources": [s.name for s in sources],
        "landmarks": cfg.model_dump(),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "mediapipe": version("mediapipe"),
            "submitit": version("submitit"),
            "sched_autogroup": _autogroup(),
        },
        "cluster": _node(),
        "pools": pools,
        "arrays": arrays,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "slurm_arrays.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (OUT / "slurm_arrays.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
