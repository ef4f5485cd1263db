"""`dvc repro` on a fresh clone: the declared stages run once, then nothing is stale."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import isolated_env, run

pytestmark = pytest.mark.slow


def test_repro_on_a_fresh_clone(project: Path) -> None:
    env = isolated_env(project)

    run(["hawkeye", "data", "generate"], project, env)
    # The generator is deterministic, so the committed data.dvc matches a fresh generation.
    # `dvc commit` re-hashes data/raw into data.dvc: git must see no difference.
    run(["dvc", "commit", "-f", "data.dvc"], project, env)
    run(["git", "diff", "--exit-code", "data.dvc"], project, env)
    # The gait demo's data has its own .dvc file: generating it changes neither.
    run(["hawkeye", "data", "generate", "--task", "gait"], project, env)
    run(["dvc", "commit", "-f", "data/gait.dvc"], project, env)
    run(["git", "diff", "--exit-code", "data.dvc", "data/gait.dvc"], project, env)

    # The committed dvc.lock was made by the committed code and params: no stage's inputs
    # differ from what it records (outputs are missing on a fresh clone, which is fine).
    status = json.loads(run(["dvc", "status", "--json"], project, env).stdout or "{}")
    stale = {  # code and params only: earlier stages' outputs are absent on a fresh clone
        stage: {dep: how for dep, how in change["changed deps"].items() if how == "modified"}
        for stage, changes in status.items()
        for change in changes
        if isinstance(change, dict) and "changed deps" in change
    }
    stale = {stage: deps for stage, deps in stale.items() if deps}
    assert not stale, f"dvc.lock is stale against the committed code (run dvc repro): {stale}"

    first = run(["dvc", "repro"], project, env).stdout
    assert "Running stage 'train'" in first
    metrics = yaml.safe_load((project / "reports" / "demo" / "metrics.json").read_text())
    assert metrics["model"]["mae"] < metrics["baseline_mean"]["mae"]
    assert (project / "reports" / "demo" / "confusion.png").stat().st_size > 0

    second = run(["dvc", "repro"], project, env).stdout
    assert "Running stage" not in second and "up to date" in second

    # A training parameter re-runs train and evaluate only.
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["model"]["params"]["n_estimators"] = 50
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    third = run(["dvc", "repro"], project, env).stdout
    ran = {line.split("'")[1] for line in third.splitlines() if line.startswith("Running stage")}
    assert ran == {"train", "evaluate"}
    dag = run(["dvc", "dag", "--md"], project, env).stdout
    assert "ingest" in dag and "evaluate" in dag


def test_data_version_names_what_identifies_the_data(tmp_path: Path) -> None:
    """DVC's md5 only while the tracked folder holds what its .dvc file records."""
    import subprocess

    from hawkeye.provenance import data_version

    root = tmp_path / "repo"
    (root / "data" / "raw" / "set").mkdir(parents=True)
    (root / "data" / "raw" / "set" / "a.csv").write_text("x\n1\n")
    dvc = [sys.executable, "-m", "dvc"]
    for cmd in (["git", "init", "-q"], [*dvc, "init", "-q"], [*dvc, "add", "-q", "data/raw"]):
        subprocess.run(cmd, cwd=root, check=True, capture_output=True)
    md5 = yaml.safe_load((root / "data" / "raw.dvc").read_text())["outs"][0]["md5"]
    import os

    here = os.getcwd()
    os.chdir(root)  # project_root() is found from the working directory
    try:
        assert data_version(root / "data/raw/set/a.csv", "fp") == ("dvc data/raw.dvc", md5)
        (root / "data" / "raw" / "set" / "b.csv").write_text("y\n")
        kind, value = data_version(root / "data/raw/set/a.csv", "fp")
        assert value == "fp" and "data/raw.dvc changed since committed" in kind
        outside = root / "elsewhere.csv"
        outside.write_text("z\n")
        assert data_version(outside, "fp2") == ("content fingerprint (not DVC-tracked)", "fp2")
    finally:
        os.chdir(here)
