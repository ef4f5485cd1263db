"""`dvc metrics diff` and `dvc plots show/diff` on the demo stages, across two commits."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import isolated_env, run

pytestmark = pytest.mark.slow


def test_metrics_diff_and_plots_across_commits(project: Path) -> None:
    env = isolated_env(project)
    git = ["git", "-c", "user.email=ci@hawkeye.invalid", "-c", "user.name=ci"]
    run(["hawkeye", "data", "generate"], project, env)
    run(["dvc", "repro"], project, env)
    run([*git, "add", "-A"], project, env)
    run([*git, "commit", "-qm", "first run"], project, env)
    # Metrics and plots are cached DVC outputs: the commit leaves nothing untracked behind.
    assert run(["git", "status", "--porcelain"], project, env).stdout.strip() == ""

    params = yaml.safe_load((project / "params.yaml").read_text())
    params["model"]["params"]["n_estimators"] = 20
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    run(["dvc", "repro"], project, env)

    diff = run(["dvc", "metrics", "diff", "--md"], project, env)
    assert "failed to load" not in diff.stdout + diff.stderr
    assert "model.mae" in diff.stdout and "HEAD" in diff.stdout
    shown = run(["dvc", "plots", "show"], project, env)
    assert "failed" not in shown.stdout + shown.stderr
    html = (project / "dvc_plots" / "index.html").read_text()
    assert "predicted_vs_rated" in html and "confusion" in html
    assert 'src="http' not in html  # image plots only: the page loads nothing from a CDN
    assert "dvc_plots" not in run(["git", "status", "--porcelain"], project, env).stdout
    plots_diff = run(["dvc", "plots", "diff", "HEAD"], project, env)
    assert "failed to load" not in plots_diff.stdout + plots_diff.stderr
