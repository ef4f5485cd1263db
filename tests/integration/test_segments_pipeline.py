"""task: segments through the real pipeline: UTKinect streams -> frame-wise net -> registry.

One `hawkeye run` of the shipped UTKinect configuration (a few epochs, so it takes
seconds), then the MLflow run, the registered version and `hawkeye predict` on one
stream, each checked against what the data says independently of the code under test.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import copy_project, isolated_env, run, top_level_runs

pytestmark = [pytest.mark.slow, pytest.mark.real_data]

# UTKinect's label file, read here by hand (not by the reader under test): every stream has
# these ten actions (actionLabel_modified.txt), plus the background between them.
ACTIONS = {
    "walk", "sitDown", "standUp", "pickUp", "carry",
    "throw", "push", "pull", "waveHands", "clapHands",
}  # fmt: skip


@dataclass
class Segmented:
    project: Path
    env: dict[str, str]
    client: Any
    data: Path


@pytest.fixture(scope="module")
def segmented(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Segmented:
    from mlflow.tracking import MlflowClient

    data = shared_data / "utkinect"
    if not (data / "actionLabel_modified.txt").is_file():
        pytest.skip(f"no UTKinect streams at {data}")
    project = copy_project(tmp_path_factory.mktemp("segments") / "project")
    env = isolated_env(project)
    quick = {
        "run_name": "segments-quick-{date}-{time}",
        "parameters": {
            "extends": "utkinect_segments",
            "model": {"name": "mstcn", "params": {"max_epochs": 4}},
            "registry": {"gate": {"min_improvement_over_baseline": 0}},
        },
    }
    (project / "pipelines" / "configs" / "segments_quick.yaml").write_text(yaml.safe_dump(quick))
    run(["hawkeye", "run", "segments_quick"], project, env)
    client = MlflowClient(f"sqlite:///{project / '.hawkeye' / 'mlflow.db'}")
    return Segmented(project, env, client, data)


def test_evaluate_logs_segment_metrics_beside_the_majority_baseline(segmented: Segmented) -> None:
    (mlrun,) = top_level_runs(segmented.client, "segments-utkinect")
    metrics = mlrun.data.metrics
    for name in ("frame_acc", "frame_macro_f1", "edit", "f1_10", "f1_25", "f1_50"):
        assert 0 <= metrics[f"model_{name}"] <= 100, name
    # Every frame the background: no segment is predicted, so edit and F1 are 0 whatever
    # the truth (every stream has ten actions).
    assert metrics["baseline_majority_edit"] == 0 and metrics["baseline_majority_f1_50"] == 0
    assert metrics["baseline_majority_frame_acc"] > 30  # background is most of the frames
    artifacts = {a.path for a in segmented.client.list_artifacts(mlrun.info.run_id, "evaluation")}
    assert "evaluation/predictions.parquet" in artifacts
    # 10 streams, 5 subjects: leave-one-subject-out gives 5 folds, each a nested run.
    children = segmented.client.search_runs(
        [mlrun.info.experiment_id], f"tags.mlflow.parentRunId = '{mlrun.info.run_id}'"
    )
    assert sorted(r.data.tags["hawkeye.fold"] for r in children) == [str(k) for k in range(5)]


def test_gate_registers_a_frame_wise_version(segmented: Segmented) -> None:
    versions = segmented.client.search_model_versions("name = 'segments-utkinect'")
    assert len(versions) == 1
    tags = versions[0].tags
    assert tags["hawkeye.task"] == "segments"
    assert tags["gate.decision"] in ("champion", "challenger") and tags["gate.reason"]
    assert float(tags["metric.f1_50"]) >= 0


def test_predict_returns_the_segments_of_a_stream(segmented: Segmented) -> None:
    stream = segmented.data / "joints_s01_e01.txt"
    out = segmented.project / "segments.json"
    run(
        ["hawkeye", "predict", str(stream), "--model", "models:/segments-utkinect/1",
         "--out", str(out)],
        segmented.project,
        segmented.env,
    )  # fmt: skip
    report = json.loads(out.read_text())
    lines = [ln for ln in stream.read_text().splitlines() if ln.strip()]
    numbers = {ln.split()[0] for ln in lines}
    assert report["status"] == "scored" and report["frames"] == len(numbers)
    for segment in report["segments"]:
        assert 0 <= segment["start"] < segment["end"] <= report["frames"]
        assert segment["label"] in ACTIONS  # background runs are left out
        assert segment["end_s"] > segment["start_s"]
    starts = [s["start"] for s in report["segments"]]
    assert starts == sorted(starts)
    # A file that is not a UTKinect stream is refused with the reason, exit status 3.
    bad = segmented.project / "joints_s99_e01.txt"
    bad.write_text("not numbers\n")
    proc = subprocess.run(
        ["hawkeye", "predict", str(bad), "--model", "models:/segments-utkinect/1"],
        cwd=segmented.project,
        env=segmented.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 3 and "refused" in proc.stdout + proc.stderr
