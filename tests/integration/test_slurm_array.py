"""The landmark fan-out as a SLURM job array, on the single-node cluster (scripts/slurm_up.sh).

Videos are byte-distinct copies of the shared real videos (each one's bytes plus a trailing
``free`` box / RIFF ``JUNK`` chunk naming it: the same frames, a different content hash), in
the test's tmp folder; the shared data is read in place. Skipped, with the reason, when SLURM
or the shared videos are absent.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from hawkeye.config import LandmarkConfig
from hawkeye.landmarks.batch import BatchResult, VideoJob, extract_batch
from hawkeye.landmarks.cache import LandmarkCache
from tests.conftest import run
from tests.integration import test_slurm

pytestmark = [pytest.mark.slow, pytest.mark.slurm]
# test_slurm.py's fixtures: the running cluster (or one brought up), the project with its stack.
slurm_cluster = test_slurm.slurm_cluster
slurm_project = test_slurm.slurm_project


def distinct_copy(src: Path, dest: Path, tag: str) -> Path:
    """``src``'s bytes plus a trailing box/chunk the decoders skip: same frames, new hash."""
    data, t = src.read_bytes(), tag.encode()
    if src.suffix.lower() == ".avi":
        extra = b"JUNK" + struct.pack("<I", len(t)) + t + b"\0" * (len(t) % 2)
    else:
        extra = struct.pack(">I", 8 + len(t)) + b"free" + t
    dest.write_bytes(data + extra)
    return dest


@pytest.fixture
def videos(shared_data: Path) -> list[Path]:
    found = sorted((shared_data / "videos").glob("*.mp4")) + sorted(
        (shared_data / "videos").glob("*.avi")
    )
    if not found:
        pytest.skip(f"no videos in {shared_data / 'videos'}")
    return found


def short_clip(src: Path, dest: Path, start: int, frames: int = 24, width: int = 640) -> Path:
    """``frames`` frames of ``src`` from ``start``, scaled to ``width`` px (MPEG-4): a short,
    distinct clip of real pixels."""
    import cv2

    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    cap.set(cv2.CAP_PROP_POS_FRAMES, start)
    writer = None
    for _ in range(frames):
        ok, frame = cap.read()
        if not ok:
            break
        h, w = frame.shape[:2]
        size = (width, round(h * width / w / 2) * 2)
        if writer is None:
            writer = cv2.VideoWriter(str(dest), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
        writer.write(cv2.resize(frame, size, interpolation=cv2.INTER_AREA))
    cap.release()
    assert writer is not None, f"no frame decoded from {src}"
    writer.release()
    return dest


def _copies(videos: list[Path], folder: Path, n: int) -> list[VideoJob]:
    folder.mkdir(parents=True, exist_ok=True)
    jobs = []
    for i in range(n):
        src = videos[i % len(videos)]
        jobs.append(
            VideoJob(
                f"rec{i:02d}", distinct_copy(src, folder / f"rec{i:02d}{src.suffix}", f"rec{i}")
            )
        )
    return jobs


def _same_landmarks(a: BatchResult | dict, b: BatchResult | dict) -> None:
    for sid, ex in a.items():
        other = b[sid]
        assert np.array_equal(ex.presence, other.presence), sid
        assert np.array_equal(ex.points, other.points, equal_nan=True), sid
        assert np.array_equal(ex.world, other.world, equal_nan=True), sid


PROBE = '''
"""ingest and landmark alone, on the slurm stack (tests/integration/test_slurm_array.py)."""

import json
import sys

from zenml import pipeline

from hawkeye.config import DatasetConfig
from steps.ingest import ingest
from steps.landmark import landmark

CFG = DatasetConfig.model_validate(json.loads(sys.argv[1]))


@pipeline(enable_cache=False)
def landmarks_only() -> None:
    manifest, _ = ingest(CFG, "test")
    extra = {"slurm_array": {"shard_size": 2, "max_parallel": 2, "poll_interval_s": 1,
                             "time_limit_min": 5, "job_name": "hawkeye-landmark-test"}}
    landmark.with_options(extra=extra)(manifest, CFG)


if __name__ == "__main__":
    landmarks_only()
'''


def test_the_landmark_step_on_a_slurm_stack_arrays_only_uncached_videos(
    slurm_project: tuple[Path, dict], videos: list[Path], tmp_path: Path
) -> None:
    """ingest + landmark on the slurm stack: 1 of 4 videos cached, 3 go to a 2-task array,
    and the cache ends up with exactly the landmarks the local process pool extracts."""
    import pandas as pd

    project, env = slurm_project
    folder = tmp_path / "videos"
    folder.mkdir()
    jobs = [
        VideoJob(f"clip{i}", short_clip(videos[i % len(videos)], folder / f"clip{i}.mp4", 8 * i))
        for i in range(4)
    ]
    cfg = LandmarkConfig(model="pose", workers=2)
    t0 = time.monotonic()
    local = extract_batch(jobs, cfg, LandmarkCache(tmp_path / "local-cache"), progress=False)
    assert local.extracted == 4 and not local.errors

    # The array's cache starts with clip0 in it (the pool's entry, copied).
    cache = LandmarkCache(tmp_path / "array-cache")
    key = cache.key(jobs[0].video, cfg, None)
    cache.path(key).parent.mkdir(parents=True)
    shutil.copy(LandmarkCache(tmp_path / "local-cache").path(key), cache.path(key))

    rows = [{"clip": j.video.name, "patient": f"P{i}", "updrs": i % 5} for i, j in enumerate(jobs)]
    pd.DataFrame(rows).to_csv(tmp_path / "videos" / "scores.csv", index=False)
    dataset = {
        "name": "arrayclips",
        "kind": "videos",
        "task": "motion",  # the generic summary: defined on clips shorter than a gait cycle
        "path": str(tmp_path / "videos" / "scores.csv"),
        "columns": {"clip": "source", "patient": "subject_id", "updrs": "label"},
        "landmarks": {"model": "pose", "cache_dir": str(cache.root)},
        "max_quarantine_share": 0.9,
    }
    (project / "landmark_probe.py").write_text(PROBE)
    print(f"\npool reference: {time.monotonic() - t0:.1f} s")
    start = time.monotonic()
    run([sys.executable, "landmark_probe.py", json.dumps(dataset)], project, env)
    wall = time.monotonic() - start
    out = run([sys.executable, "-c", test_slurm.LAST_RUN], project, env).stdout
    status = json.loads(out.strip().splitlines()[-1])
    assert status["status"] == "completed", status
    meta = status["steps"]["landmark"]["metadata"]
    assert meta["landmark_fanout"] == "slurm_array" and meta["recordings"] == 4
    report = meta["landmark_array"]
    # clip0 was cached: it never went to the array; the other three did, in shards of 2.
    assert report["recordings"] == 3 and report["shards"] == 2 and report["tasks"] == 2
    assert [s["recordings"] for s in report["per_shard"]] == [2, 1]
    assert all(s["done"] == s["recordings"] and s["attempts"] == 1 for s in report["per_shard"])
    (submission,) = report["submissions"]
    assert "#SBATCH --array=0-1%2" in submission["sbatch_lines"]
    assert "#SBATCH --job-name=hawkeye-landmark-test" in submission["sbatch_lines"]
    assert submission["command"].startswith("srun ")
    info = subprocess.run(
        ["scontrol", "show", "job", "--oneliner", submission["array_job_id"]],
        capture_output=True,
        text=True,
    ).stdout
    assert info.count("JobState=COMPLETED") == 2, info

    # What the array wrote is what the pool extracts, array for array.
    again = extract_batch(jobs, cfg, cache, progress=False)
    assert again.cache_hits == 4 and again.extracted == 0
    _same_landmarks(local.extractions, again.extractions)
    print(f"\nlandmark step, 3 of 4 videos through a 2-task array: {wall:.1f} s; {report}")


def _squeue(name: str) -> dict[str, str]:
    out = subprocess.run(
        ["squeue", "-h", "-r", "-n", name, "-o", "%i %T"], capture_output=True, text=True
    ).stdout
    return dict(line.split() for line in out.splitlines() if line.strip())


def test_a_cancelled_array_task_reruns_alone_and_keeps_what_it_finished(
    slurm_cluster: None,
    videos: list[Path],
    tmp_path: Path,
) -> None:
    from stacks.slurm.array import ArraySettings, SlurmArray
    from stacks.slurm.cluster import SlurmCLI
    from stacks.slurm.runner import LocalRunner
    from steps.landmark import SlurmLandmarkFanout

    jobs = _copies(videos, tmp_path / "videos", 6)
    cfg = LandmarkConfig(model="pose")
    cache = LandmarkCache(tmp_path / "cache")
    name = f"hawkeye-cancel-{uuid.uuid4().hex[:8]}"
    settings = ArraySettings(
        shard_size=2, max_parallel=3, retries=1, time_limit_min=5, poll_interval_s=1, job_name=name
    )
    fanout = SlurmLandmarkFanout(SlurmArray(settings, SlurmCLI(LocalRunner()), tmp_path / "jobs"))
    outcome: dict[str, BatchResult | BaseException] = {}

    def landmark() -> None:
        try:
            outcome["result"] = extract_batch(jobs, cfg, cache, progress=False, fanout=fanout)
        except BaseException as exc:  # shown by the assertion below
            outcome["error"] = exc

    worker = threading.Thread(target=landmark)
    worker.start()
    # Shard 1 holds rec02 and rec03: cancel its task once rec02 is in the cache.
    first, second = (cache.key(j.video, cfg, None) for j in jobs[2:4])
    deadline = time.monotonic() + 120
    task = None
    while time.monotonic() < deadline and worker.is_alive():
        task = next(
            (t for t, s in _squeue(name).items() if t.endswith("_1") and s == "RUNNING"), None
        )
        if task and cache.path(first).is_file():
            break
        time.sleep(0.2)
    assert task and cache.path(first).is_file(), "task 1 never ran or never finished rec02"
    subprocess.run(["scancel", task], check=True)
    # Wait for SLURM to call it CANCELLED, then note what the killed attempt left.
    for _ in range(60):
        info = subprocess.run(
            ["scontrol", "show", "job", "--oneliner", task], capture_output=True, text=True
        ).stdout
        if "JobState=CANCELLED" in info:
            break
        time.sleep(0.5)
    assert "JobState=CANCELLED" in info, info
    left = [k for k in (first, second) if cache.path(k).is_file()]
    worker.join(timeout=180)
    assert not worker.is_alive()
    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"]
    assert isinstance(result, BatchResult)
    assert result.extracted == 6 and not result.errors

    report = fanout.report
    shards = report["per_shard"]
    assert [s["attempts"] for s in shards] == [1, 2, 1]
    assert shards[1]["task_ids"][0] == task and shards[1]["states"][0] == "CANCELLED"
    assert shards[1]["states"][1] == "COMPLETED"
    # The retry ran shard 1 alone and redid only what the killed attempt had not finished.
    assert shards[1]["cached"] == len(left) >= 1 and shards[1]["done"] == 2 - len(left)
    first_array, retry = report["submissions"]
    assert (
        first_array["indices"] == [0, 1, 2]
        and "#SBATCH --array=0-2%3" in first_array["sbatch_lines"]
    )
    assert retry["indices"] == [1] and "#SBATCH --array=0-0%1" in retry["sbatch_lines"]
    assert report["tasks"] == 4 and report["retried_shards"] == 1
    print(f"\ncancelled {task}; retry {retry['array_job_id']}_0: {shards[1]}")


TUNE_ARRAY = """
steps:
  tune:
    extra:
      slurm_array: {shard_size: 1, max_parallel: 3, poll_interval_s: 1, time_limit_min: 5}
parameters:
  extends: demo
  model:
    params: {n_jobs: 1}
"""


def test_optuna_trials_run_as_array_tasks_on_one_journal(
    slurm_project: tuple[Path, dict],
) -> None:
    """hawkeye tune on the slurm stack: 2 trials as 2 array tasks of one journal-file study."""
    from mlflow.tracking import MlflowClient

    project, env = slurm_project
    (project / "pipelines" / "configs" / "tune_array.yaml").write_text(TUNE_ARRAY)
    start = time.monotonic()
    out = run(["hawkeye", "tune", "tune_array", "--trials", "2"], project, env)  # slurm: active
    wall = time.monotonic() - start
    said = " ".join((out.stdout + out.stderr).split())  # the summary is on stderr
    assert "2 trials, best mae" in said, said[-2000:]
    status = json.loads(
        run([sys.executable, "-c", test_slurm.LAST_RUN], project, env)
        .stdout.strip()
        .splitlines()[-1]
    )
    report = status["steps"]["tune"]["metadata"]["tune_array"]
    assert report["completed_before"] == 0 and report["completed_after"] >= 2
    assert [t["attempts"] for t in report["per_task"]] == [1, 1]
    trials = [n for t in report["per_task"] for n in t["trials"]]
    assert len(trials) == len(set(trials)) >= 2  # one study, no trial twice
    (submission,) = report["submissions"]
    assert "#SBATCH --array=0-1%2" in submission["sbatch_lines"]
    assert report["journal"].endswith("optuna-journal.log") and Path(report["journal"]).is_file()
    # Every trial reached MLflow as a nested run of the tuning run, as on the local path.
    client = MlflowClient(f"sqlite:///{project / '.hawkeye' / 'mlflow.db'}")
    runs = [r for e in client.search_experiments() for r in client.search_runs([e.experiment_id])]
    nested = [r for r in runs if "hawkeye.trial" in r.data.tags]
    assert sorted(int(r.data.tags["hawkeye.trial"]) for r in nested) == sorted(trials)
    print(f"\nhawkeye tune, 2 trials as 2 array tasks: {wall:.1f} s; {report['per_task']}")


FOLDS_ARRAY = """
run_name: folds-array-{date}-{time}
steps:
  train:
    extra:
      slurm_array: {shard_size: 2, max_parallel: 3, poll_interval_s: 1, time_limit_min: 5}
parameters:
  extends: demo
  model:
    params: {n_estimators: 20, n_jobs: 1}
  registry:
    model_name: folds-array
"""


def test_cross_validation_folds_run_as_array_tasks(slurm_project: tuple[Path, dict]) -> None:
    """hawkeye run on the slurm stack: the demo's 5 folds as 3 array tasks (2, 2, 1 folds),
    read back by the train step, which fits the final model; every fold a nested run."""
    from mlflow.tracking import MlflowClient

    project, env = slurm_project
    (project / "pipelines" / "configs" / "folds_array.yaml").write_text(FOLDS_ARRAY)
    run(["hawkeye", "run", "folds_array"], project, env)  # the slurm stack is the active one
    status = json.loads(
        run([sys.executable, "-c", test_slurm.LAST_RUN], project, env)
        .stdout.strip()
        .splitlines()[-1]
    )
    assert status["status"] == "completed"
    meta = status["steps"]["train"]["metadata"]
    report = meta["train_array"]
    assert [t["folds"] for t in report["per_task"]] == [[0, 1], [2, 3], [4]]
    assert [t["trained"] for t in report["per_task"]] == [[0, 1], [2, 3], [4]]
    (submission,) = report["submissions"]
    assert "#SBATCH --array=0-2%3" in submission["sbatch_lines"]
    assert meta["train_array_read_back"] == [0, 1, 2, 3, 4]  # nothing trained twice
    client = MlflowClient(f"sqlite:///{project / '.hawkeye' / 'mlflow.db'}")
    exp = client.get_experiment_by_name("folds-array")
    runs = client.search_runs([exp.experiment_id])
    top = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert any("model_mae" in r.data.metrics for r in top)
    folds = sorted(r.data.tags["hawkeye.fold"] for r in runs if "hawkeye.fold" in r.data.tags)
    assert folds == [str(k) for k in range(5)]
