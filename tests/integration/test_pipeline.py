"""The ZenML training pipeline for real: local ZenML store, MLflow sqlite store, registry, cache."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import copy_project, isolated_env, run, top_level_runs

pytestmark = pytest.mark.slow

TINY = {
    "dataset": {
        "name": "tiny_tapping",
        "kind": "landmarks",
        "path": "data/raw/tiny/annotations.csv",
        "synthetic": {"n_subjects": 8, "seed": 11},
    },
    "split": {"n_splits": 3},
    "model": {"name": "random_forest", "params": {"n_estimators": 25}},
    "registry": {"model_name": "tiny-tapping", "gate": {"min_improvement_over_baseline": 0.0}},
}

STATUS = """
import json, sys
from zenml.client import Client
runs = Client().list_pipeline_runs(sort_by="desc:created", size=1)
run = runs.items[0]
steps = {n: s.status.value for n, s in run.steps.items()}
print(json.dumps({"status": run.status.value, "steps": steps,
                  "register": {k: str(v) for k, v in run.steps["register"].run_metadata.items()}}))
"""


def _write_config(project: Path, name: str, **overrides: dict) -> Path:
    params = {k: {**v, **overrides.get(k, {})} for k, v in TINY.items()}
    path = project / "pipelines" / "configs" / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"run_name": f"{name}-{{date}}-{{time}}", "parameters": params}))
    return path


def _last_run(project: Path, env: dict[str, str]) -> dict:
    return json.loads(
        run([sys.executable, "-c", STATUS], project, env).stdout.strip().splitlines()[-1]
    )


@dataclass
class Trained:
    """One project after three runs: `tiny`, `tiny` again (cached), `tiny_xgb` (competing)."""

    project: Path
    env: dict[str, str]
    client: Any
    statuses: list[dict]
    first_stderr: str


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    from mlflow.tracking import MlflowClient

    project = copy_project(tmp_path_factory.mktemp("pipeline") / "project")
    env = isolated_env(project)
    _write_config(project, "tiny")
    _write_config(project, "tiny_xgb", model={"name": "xgboost", "params": {"n_estimators": 40}})
    first = run(["hawkeye", "run", "tiny"], project, env)
    statuses = [_last_run(project, env)]
    run(["hawkeye", "run", "tiny"], project, env)
    statuses.append(_last_run(project, env))
    run(["hawkeye", "run", "tiny_xgb"], project, env)
    statuses.append(_last_run(project, env))
    client = MlflowClient(f"sqlite:///{project / '.hawkeye' / 'mlflow.db'}")
    return Trained(project, env, client, statuses, first.stderr)


def test_zenml_runs_six_steps_then_serves_them_from_its_cache(trained: Trained) -> None:
    first, again, competing = trained.statuses
    assert first["status"] == "completed"
    assert set(first["steps"]) == {"ingest", "landmark", "split", "train", "evaluate", "register"}
    assert set(first["steps"].values()) == {"completed"}
    # The same run again: nothing retrained, nothing re-registered.
    assert set(again["steps"].values()) == {"cached"}
    # A competing model on the same split reuses the split and trains anew.
    assert competing["steps"]["split"] == "cached" and competing["steps"]["train"] == "completed"


def test_mlflow_tracks_figures_plots_lineage_and_folds(trained: Trained) -> None:
    client, project = trained.client, trained.project
    assert "mlflow ui --backend-store-uri sqlite:///" in trained.first_stderr
    exp = client.get_experiment_by_name("tiny-tapping")
    assert exp is not None and exp.artifact_location.startswith((project / ".hawkeye").as_uri())
    mlrun = next(
        r for r in top_level_runs(client, exp.name) if r.data.params["model"] == "random_forest"
    )
    metrics, tags, params = mlrun.data.metrics, mlrun.data.tags, mlrun.data.params
    for key in (
        "model_mae",
        "model_exact_acc",
        "model_within1_acc",
        "model_pearson",
        "model_spearman",
        "model_macro_f1",
        "baseline_majority_mae",
        "baseline_mean_mae",
        "model_mae_fold_std",
        "train_seconds",
    ):
        assert key in metrics, key
    assert metrics["model_mae"] < metrics["baseline_mean_mae"]
    assert params["model.n_estimators"] == "25"
    assert len(tags["hawkeye.git_commit"]) >= 40
    # data/raw/tiny sits in data.dvc's folder but not in what data.dvc recorded: the version
    # is the content fingerprint, and says why (issue 17), never data.dvc's unrelated md5.
    assert (
        tags["hawkeye.data_version_kind"]
        == "content fingerprint (data.dvc changed since committed)"
    )
    assert tags["hawkeye.data_dvc_md5"] == tags["hawkeye.data_fingerprint"]
    artifacts = {a.path for a in client.list_artifacts(mlrun.info.run_id, "plots")}
    artifacts |= {a.path for a in client.list_artifacts(mlrun.info.run_id, "evaluation")}
    assert {
        "plots/confusion.png",
        "plots/predicted_vs_rated.png",
        "plots/error_per_subject.png",
        "plots/feature_importance.png",
        "evaluation/predictions.csv",
        "evaluation/report.json",
    } <= artifacts
    # Made for comparison: a model-development experiment, named runs, the data as an input,
    # pooled figures on top and each fold in its own child run.
    assert exp.tags["mlflow.experimentKind"] == "custom_model_development"
    assert mlrun.info.run_name.startswith("tiny_tapping-random_forest-")
    (data_input,) = mlrun.inputs.dataset_inputs
    assert data_input.dataset.name == "tiny_tapping"
    assert data_input.dataset.digest == tags["hawkeye.data_fingerprint"][:36]
    assert not [k for k in metrics if k.startswith("fold")]
    folds = client.search_runs(
        [exp.experiment_id], f"tags.mlflow.parentRunId = '{mlrun.info.run_id}'"
    )
    assert len(folds) == 3 and all("model_mae" in f.data.metrics for f in folds)
    v1 = client.get_model_version("tiny-tapping", "1")
    assert v1.run_id == mlrun.info.run_id
    assert v1.tags["hawkeye.split_hash"] == tags["hawkeye.split_hash"]
    assert float(v1.tags["metric.mae"]) == pytest.approx(metrics["model_mae"], rel=1e-4)


def test_the_gate_picks_the_champion_and_the_registry_commands_act_on_it(
    trained: Trained,
) -> None:
    client = trained.client
    assert len(client.search_model_versions("name='tiny-tapping'")) == 2  # the cached run: none
    v1, v2 = (client.get_model_version("tiny-tapping", v) for v in ("1", "2"))
    assert v1.tags["gate.decision"] == "champion"  # first one, nothing to beat but baselines
    expected = "2" if float(v2.tags["metric.mae"]) < float(v1.tags["metric.mae"]) else "1"
    assert str(client.get_model_version_by_alias("tiny-tapping", "champion").version) == expected
    assert v2.tags["gate.decision"] == ("champion" if expected == "2" else "challenger")
    _registry_commands(
        trained.project, trained.env, client, challenger="1" if expected == "2" else "2"
    )


def _registry_commands(project: Path, env: dict[str, str], client, challenger: str) -> None:
    """models list / compare / promote, then predict and score with the promoted champion."""
    import subprocess

    import pandas as pd

    from hawkeye.config import DatasetConfig
    from hawkeye.data.ingest import ingest
    from hawkeye.features.extract import build_features

    listing = run(["hawkeye", "models", "list", "tiny-tapping"], project, env).stdout
    # The loser keeps `challenger` only when it came second (a winner that came second moves
    # `champion` and leaves no challenger behind).
    assert "champion" in listing
    assert ("challenger" in listing) == (challenger == "2")
    compared = run(["hawkeye", "models", "compare", "tiny-tapping", "1", "2"], project, env)
    assert "same split" in compared.stderr and "mae" in compared.stdout

    before = client.get_model_version("tiny-tapping", challenger).tags["gate.decision"]
    run(
        [
            "hawkeye",
            "models",
            "promote",
            "tiny-tapping",
            challenger,
            "--reason",
            "clinician review",
        ],
        project,
        env,
    )
    promoted = client.get_model_version_by_alias("tiny-tapping", "champion")
    assert str(promoted.version) == challenger
    assert promoted.tags["promotion.reason"] == "clinician review"
    # The gate's tags now agree with the aliases; what the gate said is kept beside them.
    assert promoted.tags["gate.decision"] == "champion"
    assert promoted.tags["gate.original_decision"] == before
    aliases = client.get_registered_model("tiny-tapping").aliases
    assert aliases.get("challenger") != promoted.version

    cfg = DatasetConfig.model_validate(
        TINY["dataset"] | {"path": str(project / TINY["dataset"]["path"])}
    )
    features = build_features(ingest(cfg).manifest, cfg).features
    table = project / "features.csv"
    features.to_csv(table, index=False)
    (project / "notebooks").mkdir()
    run(  # a relative path is taken from where it is typed, not from the project root
        [
            "hawkeye",
            "predict",
            "../features.csv",
            "--model",
            "models:/tiny-tapping@champion",
            "--id-column",
            "sample_id",
        ],
        project / "notebooks",
        env,
    )
    scores = pd.read_csv(project / "reports" / "scores" / "features_scores.csv")
    assert list(scores["sample_id"]) == list(features["sample_id"])
    assert scores["score"].between(0, 4).all()

    features.drop(columns=["amplitude_median_denoised"]).to_csv(table, index=False)
    proc = subprocess.run(
        ["hawkeye", "predict", str(table), "--model", "models:/tiny-tapping@champion"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "amplitude_median_denoised" in proc.stderr

    videos = Path(env["HAWKEYE_SHARED_DATA"]) / "videos"
    if not videos.is_dir():
        return  # the video half needs the shared real videos
    # A whole-body clip is no finger-tapping video: scored or refused, never a crash, always a
    # JSON report naming the model version; a refusal exits 3 and says why.
    clip = sorted(videos.glob("*.avi"))[0]
    proc = subprocess.run(
        ["hawkeye", "predict", str(clip), "--model", "models:/tiny-tapping@champion"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode in (0, 3), proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["model"]["version"] == challenger and report["status"] in ("scored", "refused")
    assert (proc.returncode == 3) == (report["status"] == "refused")
    assert "qc_detection_rate" in report["qc"] or "reason" in report

    out = project / "scores.csv"
    run(
        [
            "hawkeye",
            "score",
            str(videos),
            "--model",
            "models:/tiny-tapping@champion",
            "--out",
            str(out),
        ],
        project,
        env,
    )
    scores = pd.read_csv(out)
    assert len(scores) == len(list(videos.glob("*.avi")) + list(videos.glob("*.mp4")))
    assert set(scores["status"]) <= {"scored", "refused"}
    # An index page beside the table links one self-contained report a video.
    index = (project / "scores_reports" / "index.html").read_text()
    for sid in scores["sample_id"]:
        assert f'href="{sid}.html"' in index
        page = (project / "scores_reports" / f"{sid}.html").read_text()
        assert 'src="http' not in page and 'href="http' not in page  # nothing fetched
    assert (project / "reports" / "scores" / f"{clip.stem}_report.html").is_file()  # predict


SEQUENCE_TINY = {"hidden": 16, "max_len": 64, "max_epochs": 4, "batch_size": 8}


def test_sequence_net_and_one_class_autoencoder_run_and_register(project: Path) -> None:
    """A torch model goes through the same six steps: trained on the landmark files,
    evaluated, logged and registered; the autoencoder is gated on its AUROC."""
    from mlflow.tracking import MlflowClient

    env = isolated_env(project)
    _write_config(project, "tiny_tcn", model={"name": "tcn", "params": SEQUENCE_TINY})
    _write_config(
        project,
        "tiny_ae",
        model={"name": "autoencoder", "params": {**SEQUENCE_TINY, "normal_label": 0}},
        registry={
            "model_name": "tiny-oneclass",
            "gate": {"metric": "auroc", "greater_is_better": True},
        },
    )
    client = MlflowClient(f"sqlite:///{project / '.hawkeye' / 'mlflow.db'}")

    out = run(["hawkeye", "run", "tiny_tcn"], project, env).stderr  # the summary: console
    assert _last_run(project, env)["status"] == "completed"
    (mlrun,) = top_level_runs(client, "tiny-tapping")
    metrics, params = mlrun.data.metrics, mlrun.data.params
    assert params["model"] == "tcn" and "model_qwk" in metrics and "model_auroc" not in metrics
    (version,) = client.search_model_versions("name='tiny-tapping'")
    assert version.run_id == mlrun.info.run_id
    assert "qwk" in out
    plots = {a.path for a in client.list_artifacts(mlrun.info.run_id, "plots")}
    assert "plots/epochs.png" in plots  # the net's loss per epoch

    out = run(["hawkeye", "run", "tiny_ae"], project, env).stderr
    status = _last_run(project, env)
    assert status["status"] == "completed"
    (mlrun,) = top_level_runs(client, "tiny-oneclass")
    metrics = mlrun.data.metrics
    assert 0 <= metrics["model_auroc"] <= 1 and metrics["baseline_majority_auroc"] == 0.5
    assert "fold0_model_auroc" not in metrics and "auroc" in out  # folds: in child runs
    fold0 = client.search_runs(
        [mlrun.info.experiment_id], f"tags.mlflow.parentRunId = '{mlrun.info.run_id}'"
    )
    assert any("model_auroc" in r.data.metrics for r in fold0)
    (version,) = client.search_model_versions("name='tiny-oneclass'")
    assert version.tags["gate.decision"] == status["register"]["alias"]
    assert float(version.tags["metric.auroc"]) == pytest.approx(metrics["model_auroc"], rel=1e-4)


def test_bad_config_fails_with_a_clear_message(project: Path) -> None:
    import subprocess

    env = isolated_env(project)
    (project / "pipelines" / "configs" / "broken.yaml").write_text(
        "parameters:\n  dataset: {name: x, kind: spreadsheets, path: a.csv}\n"
        "  registry: {model_name: m}\n"
    )
    proc = subprocess.run(
        ["hawkeye", "run", "broken"], cwd=project, env=env, capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "dataset.kind" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run(
        ["hawkeye", "run", "nope"], cwd=project, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 2 and "Known: " in proc.stderr
