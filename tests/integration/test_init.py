"""`hawkeye init`: a lab's own project outside this checkout, run with the installed package."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import isolated_env, run

pytestmark = pytest.mark.slow


def test_a_project_made_by_init_trains_and_registers_on_its_own(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    env = isolated_env(lab)
    out = run(["hawkeye", "init", str(lab)], cwd=tmp_path, env=env)
    assert "run configurations" in out.stderr
    for name in ("hawkeye.yaml", "dvc.yaml", "params.yaml", ".gitignore", "stacks/local.yaml"):
        assert (lab / name).is_file(), name
    assert (lab / "configs" / "base" / "datasets" / "synthetic_tapping.yaml").is_file()
    # dvc.yaml names no source folder of this checkout: the lab runs the installed package.
    assert "src/hawkeye" not in (lab / "dvc.yaml").read_text()
    params = yaml.safe_load((lab / "params.yaml").read_text())
    assert params["model"] == {"name": "random_forest", "mode": "regression",
                               "params": {"n_estimators": 200}}  # fmt: skip

    again = subprocess.run(["hawkeye", "init", str(lab)], cwd=tmp_path, env=env,
                           capture_output=True, text=True)  # fmt: skip
    assert again.returncode == 2 and "already" in again.stderr

    # Any folder below the project works; layers resolve from the project's own configs.
    (lab / "notes").mkdir()
    resolved = run(["hawkeye", "config", "resolve", "hpc"], cwd=lab / "notes", env=env)
    assert yaml.safe_load(resolved.stdout)["model"]["params"] == {"n_estimators": 50}

    trained = run(["hawkeye", "run", "demo"], cwd=lab / "notes", env=env)
    assert "finger_tapping-synthetic v1 -> champion" in trained.stderr
    assert (lab / "data" / "raw" / "synthetic_tapping" / "annotations.csv").is_file()
    # ZenML's own CLI on a thin run file: its `extends` layers resolve inside the pipeline.
    run(["zenml", "pipeline", "run", "pipelines.training.training_pipeline",
         "-c", "configs/demo_xgboost.yaml"], cwd=lab, env=env)  # fmt: skip
    listed = run(["hawkeye", "models", "list"], cwd=lab, env=env)
    assert "xgboost" in listed.stdout  # version 2, trained from configs/demo_xgboost.yaml
    assert "finger_tapping-synthetic" in listed.stdout and "champion" in listed.stdout
    assert (lab / ".hawkeye" / "mlflow.db").is_file()  # the lab's own store, not the checkout's
