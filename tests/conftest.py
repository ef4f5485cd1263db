"""Shared fixtures: the public data folder, and an isolated copy of the project for runs."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = Path(os.environ.get("HAWKEYE_SHARED_DATA", ROOT.parent / "shared" / "data"))
    if not path.is_dir():
        pytest.skip(f"public data folder {path} is absent (set HAWKEYE_SHARED_DATA)")
    return path


def _project_files() -> list[str]:
    """Tracked and untracked-but-not-ignored files: what a clone plus local edits holds."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if line and (ROOT / line).is_file()]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project, committed to a new git repo as a fresh clone would have it."""
    return copy_project(tmp_path / "project")


def copy_project(dest: Path) -> Path:
    """Copy the project to ``dest`` and commit it to a new git repo, as a fresh clone."""
    for rel in _project_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    git = ["git", "-c", "user.email=ci@hawkeye.invalid", "-c", "user.name=ci"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "clone"]):
        subprocess.run([*git, *args], cwd=dest, check=True, capture_output=True)
    return dest


def isolated_env(project: Path) -> dict[str, str]:
    """Environment for a subprocess that touches no state outside ``project``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ZENML_", "MLFLOW_", "HAWKEYE_HOME"))
    }
    env |= {
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "HAWKEYE_HOME": str(project / ".hawkeye"),
        "ZENML_CONFIG_PATH": str(project / ".hawkeye" / "zenml-config"),
        "ZENML_ANALYTICS_OPT_IN": "false",
        "ZENML_LOGGING_COLORS_DISABLED": "true",
        "HAWKEYE_SHARED_DATA": os.environ.get(
            "HAWKEYE_SHARED_DATA", str(ROOT.parent / "shared" / "data")
        ),
    }
    return env


def run(
    cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600
) -> subprocess.CompletedProcess:
    """Run a command; on failure show its output, which is what one needs to debug it."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(
            f"{' '.join(cmd)} exited {proc.returncode}\n--- stdout\n{proc.stdout[-4000:]}\n"
            f"--- stderr\n{proc.stderr[-6000:]}"
        )
    return proc


def folder_digest(folder: Path) -> str:
    """md5 over every file's relative path and bytes: equal digests, byte-identical folders."""
    h = hashlib.md5()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def top_level_runs(client, experiment: str) -> list:
    """The pipeline runs of an MLflow experiment, without their nested fold/trial runs."""
    exp = client.get_experiment_by_name(experiment)
    assert exp is not None, f"no MLflow experiment {experiment!r}"
    return [
        r
        for r in client.search_runs([exp.experiment_id])
        if "mlflow.parentRunId" not in r.data.tags
    ]


def labelled_table(n: int = 60, seed: int = 0, noise: float = 0.3) -> pd.DataFrame:
    """A feature table with one informative column (``signal``), pure noise and gaps, two
    recordings a subject: small models must find the signal, splits must keep subjects whole."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 5, n)
    return pd.DataFrame(
        {
            "sample_id": [f"s{i}" for i in range(n)],
            "subject_id": [f"S{i // 2}" for i in range(n)],
            "task": "t",
            "side": "left",
            "label": label,
            "dataset": "d",
            "signal": label + rng.normal(0, noise, n),
            "noise": rng.normal(size=n),
            "gappy": np.where(rng.random(n) < 0.3, np.nan, label),
        }
    )
