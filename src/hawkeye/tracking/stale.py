"""Runs whose process died: marked KILLED (MLflow) and failed (ZenML), not RUNNING forever.

A run killed with SIGKILL (or by a power cut) cannot close its own MLflow run or ZenML
pipeline run. Every tracked step therefore records which process runs it (``hawkeye.pid``,
``hawkeye.host``), and the next ``hawkeye run`` sweeps: a run still RUNNING whose process
on this host is gone is closed with the reason. Runs of other hosts (a SLURM node, a cloud
worker) are left alone: their processes cannot be checked from here.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

from mlflow.entities import RunStatus
from mlflow.tracking import MlflowClient

TAG_PID = "hawkeye.pid"
TAG_HOST = "hawkeye.host"
TAG_KILLED = "hawkeye.killed"


def process_tags() -> dict[str, str]:
    """Which process runs this step: what the sweep checks."""
    return {TAG_PID: str(os.getpid()), TAG_HOST: socket.gethostname()}


def process_alive(pid: int) -> bool:
    """Whether ``pid`` is a live process here (a zombie counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True  # no /proc (macOS): kill(0) said it exists


def dead_here(pid: str | None, host: str | None) -> bool:
    """A process of this host that is gone; False when it cannot be told."""
    if not pid or host != socket.gethostname():
        return False
    try:
        return not process_alive(int(pid))
    except ValueError:
        return False


def sweep_mlflow(
    tracking_uri: str, dead_runs: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """Close every RUNNING MLflow run (and its child runs) whose process here is gone.

    ``dead_runs``: names of pipeline runs known dead (the ZenML sweep's); an MLflow run of
    that name is closed too, even when it died before its step could tag it.
    """
    client = MlflowClient(tracking_uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    if not experiments:
        return []
    running = client.search_runs(experiments, "attributes.status = 'RUNNING'", max_results=5000)
    when = datetime.now(UTC).isoformat(timespec="seconds")
    dead = {
        r.info.run_id
        for r in running
        if dead_here(r.data.tags.get(TAG_PID), r.data.tags.get(TAG_HOST))
        or r.data.tags.get("mlflow.runName") in dead_runs
    }
    dead |= {r.info.run_id for r in running if r.data.tags.get("mlflow.parentRunId") in dead}
    for run_id in sorted(dead):
        client.set_tag(run_id, TAG_KILLED, f"its process died; closed by the sweep at {when}")
        client.set_terminated(run_id, RunStatus.to_string(RunStatus.KILLED))
    return sorted(dead)
