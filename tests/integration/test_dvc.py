"""`dvc repro` on a fresh clone: the declared stages run once, then nothing is stale."""

from __future__ import annotations

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
