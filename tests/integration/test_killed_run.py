"""A run killed with SIGKILL is closed by the next run: KILLED in MLflow, failed in ZenML."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import isolated_env, run

pytestmark = pytest.mark.slow

STATUS = """
import json
from zenml.client import Client
print(json.dumps({r.name: r.status.value for r in Client().list_pipeline_runs(size=20).items}))
"""


def test_a_killed_run_is_closed_by_the_next(project: Path) -> None:
    from mlflow.tracking import MlflowClient

    env = isolated_env(project)
    params = {
        "dataset": {
            "name": "killed",
            "kind": "landmarks",
            "path": "data/raw/k/annotations.csv",
            "synthetic": {"n_subjects": 8, "seed": 3},
        },
        "split": {"n_splits": 3},
        # slow enough to be caught in the train step
        "model": {"name": "random_forest", "params": {"n_estimators": 3000, "n_jobs": 1}},
        "registry": {"model_name": "killed"},
    }
    config = project / "pipelines" / "configs" / "killed.yaml"
    config.write_text(yaml.safe_dump({"parameters": params}))
    run(["hawkeye", "stack", "up", "local"], project, env)
    proc = subprocess.Popen(
        ["hawkeye", "run", "killed"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    client = MlflowClient(f"sqlite:///{project / '.hawkeye' / 'mlflow.db'}")
    deadline = time.monotonic() + 240
    running = []
    while time.monotonic() < deadline and not running:
        time.sleep(2)
        exp = client.get_experiment_by_name("killed") if (project / ".hawkeye").exists() else None
        if exp is not None:
            running = client.search_runs([exp.experiment_id], "attributes.status = 'RUNNING'")
    assert running, "the train step never started"
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and everything it started
    proc.wait(timeout=30)
    time.sleep(1)
    (mlrun,) = [r for r in running if "mlflow.parentRunId" not in r.data.tags]
    assert client.get_run(mlrun.info.run_id).info.status == "RUNNING"  # left open by the kill

    config.write_text(
        yaml.safe_dump(
            {
                "parameters": {
                    **params,
                    "model": {"name": "random_forest", "params": {"n_estimators": 20}},
                }
            }
        )
    )
    out = run(["hawkeye", "run", "killed"], project, env)
    assert "whose process had died" in out.stderr
    killed = client.get_run(mlrun.info.run_id)
    assert killed.info.status == "KILLED" and "process died" in killed.data.tags["hawkeye.killed"]
    statuses = json.loads(run([sys.executable, "-c", STATUS], project, env).stdout.splitlines()[-1])
    assert sorted(statuses.values()) == ["completed", "failed"], statuses
