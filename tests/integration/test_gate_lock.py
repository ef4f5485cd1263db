"""Two first runs of one model in parallel: only one finds "no champion yet"."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

REGISTER = r"""
import sys, time
from pathlib import Path
import mlflow
from hawkeye.config import GateConfig, ModelConfig, SplitConfig
from hawkeye.evaluation.metrics import evaluate_predictions
from hawkeye.splits import make_folds, split_hash
from hawkeye.tracking import register_model
from hawkeye.training import cross_validate
from tests.conftest import labelled_table

uri, go, seed = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
table = labelled_table(40, seed=0)
folds = make_folds(table, SplitConfig(strategy="group_kfold", n_splits=3, near_duplicate_rms=0))
cfg = ModelConfig(name="random_forest", params={"n_estimators": 10 + seed}, seed=seed)
result = cross_validate(table, folds, cfg, task="t")
report = evaluate_predictions(result.predictions)
mlflow.set_tracking_uri(uri)
mlflow.set_experiment("race")
while not go.exists():  # both processes start registering at the same moment
    time.sleep(0.01)
with mlflow.start_run():
    out = register_model(result.model, table[["signal", "noise", "gappy"]], "race", report,
                         split_hash(folds), GateConfig(min_improvement_over_baseline=0.0), {})
print(out["version"], out["alias"], out["reason"], flush=True)
"""


@pytest.mark.slow
def test_parallel_first_runs_are_gated_one_after_the_other(tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    root = Path(__file__).resolve().parents[2]
    script = tmp_path / "register.py"
    script.write_text(REGISTER)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env = {
        "HAWKEYE_HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(root),
        "PATH": "/usr/bin:/bin",
        "MLFLOW_TRACKING_URI": uri,
    }
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"import mlflow; mlflow.set_tracking_uri('{uri}'); mlflow.set_experiment('race')",
        ],
        env=env,
        check=True,
    )
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), uri, str(go), str(i)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=root,
        )
        for i in (0, 1)
    ]
    time.sleep(8)  # both have trained and wait at the barrier
    go.touch()
    outs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    lines = [o[0].strip().splitlines()[-1] for o in outs]
    first_runs = [line for line in lines if "no champion yet" in line]
    assert len(first_runs) == 1, lines  # the other was compared with the first champion
    other = next(line for line in lines if line not in first_runs)
    assert "champion v" in other
    client = MlflowClient(uri)
    versions = {
        str(v.version): v.tags["gate.decision"] for v in client.search_model_versions("name='race'")
    }
    champion = client.get_registered_model("race").aliases["champion"]
    assert (
        versions[str(champion)] == "champion" and sorted(versions.values()).count("champion") >= 1
    )
