"""MLflow runs: where the store lives, lineage tags, evaluation and quality logging.

One of the two modules of the domain that reach outside (docs/ARCHITECTURE.md). Every
function logs into the *active* MLflow run, which ZenML's experiment tracker
or the CLI starts, so the same code serves both.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from hawkeye.evaluation.metrics import (
    confusion_figure,
    epochs_figure,
    flat_metrics,
    importance_figure,
    per_subject_errors,
    predicted_vs_rated_figure,
    subject_error_figure,
    summary_table,
)
from hawkeye.evaluation.predictions import BASELINE_MEAN, LABEL, SCORE
from hawkeye.evaluation.registry import names as metric_names
from hawkeye.paths import state_dir
from hawkeye.provenance import code_version, data_version, dvc_data_md5, git_commit
from hawkeye.segments import SEGMENTS_TASK

TAG_SPLIT = "hawkeye.split_hash"
TAG_DATA = "hawkeye.data_dvc_md5"
TAG_DATA_KIND = "hawkeye.data_version_kind"
TAG_FINGERPRINT = "hawkeye.data_fingerprint"
TAG_COMMIT = "hawkeye.git_commit"
TAG_CODE = "hawkeye.code_version"


def default_tracking_uri() -> str:
    """sqlite store under the project's state folder; ``MLFLOW_TRACKING_URI`` overrides it."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{state_dir() / 'mlflow.db'}"


def default_artifact_root() -> str:
    return (state_dir() / "mlartifacts").as_uri()


# MLflow 3's UI opens an experiment on its GenAI overview unless told it holds model training.
TAG_EXPERIMENT_KIND = "mlflow.experimentKind"
EXPERIMENT_KIND = "custom_model_development"


def ensure_experiment(name: str, tracking_uri: str, artifact_root: str) -> str:
    """Create the experiment; a local store gets an explicit artifact folder (MLflow would use
    ./mlruns of whatever directory the run starts in), a server keeps its own artifact root.
    Either way it is marked as model development, so the UI opens on its training runs."""
    client = MlflowClient(tracking_uri)
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        if existing.tags.get(TAG_EXPERIMENT_KIND) != EXPERIMENT_KIND:
            client.set_experiment_tag(existing.experiment_id, TAG_EXPERIMENT_KIND, EXPERIMENT_KIND)
        return existing.experiment_id
    tags = {TAG_EXPERIMENT_KIND: EXPERIMENT_KIND}
    if tracking_uri.startswith(("http://", "https://", "databricks")):
        return client.create_experiment(name, tags=tags)
    return client.create_experiment(
        name, artifact_location=f"{artifact_root.rstrip('/')}/{name}", tags=tags
    )


def lineage_tags(fingerprint: str, dataset_path: Path | None = None) -> dict[str, str]:
    """Commit, code hash and the data version that identifies *this* dataset.

    ``hawkeye.data_dvc_md5`` is the md5 of the DVC output holding the dataset (which
    ``.dvc`` file: ``hawkeye.data_version_kind``), or the content fingerprint when DVC does
    not track it; never the md5 of an unrelated ``data.dvc``.
    """
    kind, value = (
        data_version(dataset_path, fingerprint)
        if dataset_path is not None
        else ("dvc data.dvc", dvc_data_md5())
    )
    return {
        TAG_COMMIT: git_commit(),
        TAG_DATA: value,
        TAG_DATA_KIND: kind,
        TAG_FINGERPRINT: fingerprint,
        TAG_CODE: code_version(),
    }


def log_evaluation(
    report: dict[str, Any],
    predictions: pd.DataFrame,
    split_hash: str,
    min_label: int = 0,
    max_label: int = 4,
) -> dict[str, float]:
    """Metrics, the confusion PNG, the predictions CSV and the full report into the active run."""
    flat = flat_metrics(report, folds=False)  # per-fold figures go to the fold child runs
    mlflow.log_metrics(flat)
    mlflow.set_tag(TAG_SPLIT, split_hash)
    frames = report.get("task") == SEGMENTS_TASK  # one row a frame: no score to plot
    if not frames:
        answered = predictions[predictions[SCORE].notna()]  # zero-shot scorers may not answer
        y, score = answered[LABEL], answered[SCORE]
        for path, fig in (
            ("plots/confusion.png", confusion_figure(y, score, min_label, max_label)),
            (
                "plots/predicted_vs_rated.png",
                predicted_vs_rated_figure(y, score, min_label, max_label),
            ),
            ("plots/error_per_subject.png", subject_error_figure(per_subject_errors(answered))),
        ):
            mlflow.log_figure(fig, path)
            plt.close(fig)
        mlflow.log_table(per_subject_errors(answered), "evaluation/per_subject.json")
    with tempfile.TemporaryDirectory() as tmp:
        # Frame predictions can be millions of rows: parquet, not CSV.
        out = Path(tmp) / ("predictions.parquet" if frames else "predictions.csv")
        predictions.to_parquet(out, index=False) if frames else predictions.to_csv(out, index=False)
        mlflow.log_artifact(str(out), "evaluation")
    mlflow.log_dict(report, "evaluation/report.json")
    mlflow.log_text(summary_table(report), "evaluation/summary.md")
    _log_fold_runs(report)
    return flat


def _log_fold_runs(report: dict[str, Any]) -> None:
    """One nested MLflow run a CV fold, so the UI can chart folds against each other."""
    for k, metrics in report["folds"]["model"].items():
        with mlflow.start_run(run_name=f"fold{k}", nested=True, tags={"hawkeye.fold": str(k)}):
            mlflow.log_metrics({f"model_{m}": v for m, v in metrics.items() if np.isfinite(v)})
            for who in (w for w in report["folds"] if w != "model"):  # the report's baselines
                mlflow.log_metrics(
                    {f"{who}_{m}": v for m, v in report["folds"][who][k].items() if np.isfinite(v)}
                )


def log_training_inputs(
    model: Any, features: pd.DataFrame, name: str, digest: str, source: str
) -> None:
    """The training data as an MLflow dataset input, and the model's feature importances.

    The dataset's digest is the data fingerprint, so two runs on the same data show the same
    dataset in the UI, and a changed file shows as another one.
    """
    import mlflow.data

    try:
        dataset = mlflow.data.from_pandas(
            features, source=source, name=name, digest=digest[:36], targets="label"
        )
    except MlflowException:  # a source MLflow cannot resolve (an s3 URI without s3fs, ...)
        dataset = mlflow.data.from_pandas(features, name=name, digest=digest[:36], targets="label")
    mlflow.log_input(dataset, context="training")
    history = (getattr(model, "fit_info_", None) or {}).get("history")
    if history:  # a sequence net: its loss per epoch (the final fit)
        fig = epochs_figure(history)
        mlflow.log_figure(fig, "plots/epochs.png")
        plt.close(fig)
    estimator = getattr(getattr(model, "pipeline_", None), "named_steps", {}).get("model")
    importance = getattr(estimator, "feature_importances_", None)
    names = getattr(model, "feature_names_in_", None)
    if importance is not None and names is not None and len(importance) == len(names):
        fig = importance_figure([str(n) for n in names], np.asarray(importance, float))
        mlflow.log_figure(fig, "plots/feature_importance.png")
        plt.close(fig)


def log_quality(features: pd.DataFrame) -> dict[str, float]:
    """Landmark QC of the recordings that were kept: mean, min and max of each ``qc_*`` column."""
    qc = features[[c for c in features.columns if str(c).startswith("qc_")]]
    summary: dict[str, float] = {}
    for col in qc.columns:
        values = pd.to_numeric(qc[col], errors="coerce").dropna()
        if len(values):
            summary |= {
                f"{col}_mean": float(values.mean()),
                f"{col}_min": float(values.min()),
                f"{col}_max": float(values.max()),
            }
    if summary:
        mlflow.log_metrics(summary)
        mlflow.log_table(qc.assign(sample_id=features["sample_id"]), "quality/landmark_qc.json")
    return summary


def log_quarantine(quarantine: pd.DataFrame) -> None:
    """Every quarantined input with its stage and reason, so nothing is dropped unseen."""
    mlflow.log_metric("quarantined_total", len(quarantine))
    if len(quarantine):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "quarantine.csv"
            quarantine.to_csv(path, index=False)
            mlflow.log_artifact(str(path), "quality")


def log_trial(number: int, params: dict[str, Any], metrics: dict[str, float]) -> None:
    """One hyperparameter trial as a nested run of the active (tuning) run."""
    with mlflow.start_run(
        run_name=f"trial{number}", nested=True, tags={"hawkeye.trial": str(number)}
    ):
        mlflow.log_params({f"model.{k}": v for k, v in params.items()})
        mlflow.log_metrics({f"model_{k}": v for k, v in metrics.items() if np.isfinite(v)})


def log_model_comparison(
    runs: list[tuple[str, dict[str, Any], dict[str, Any]]], experiment: str, tracking_uri: str
) -> pd.DataFrame:
    """One table of every model trained on the same split, as its own run in the experiment."""
    rows = []
    for name, report, outcome in runs:
        pooled = report["pooled"]
        rows.append(
            {
                "model": name,
                **{m: pooled["model"][m] for m in metric_names(compared=True)},
                "baseline_mean_mae": pooled[BASELINE_MEAN]["mae"],
                "version": outcome["version"],
                "alias": outcome["alias"],
            }
        )
    table = pd.DataFrame(rows)
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name="model-comparison", tags={"hawkeye.comparison": "true"}):
        mlflow.log_table(table, "comparison/models.json")
        for row in rows:
            mlflow.log_metrics(
                {
                    f"{row['model']}_{m}": row[m]
                    for m in metric_names(headline=True)
                    if np.isfinite(row[m])
                }
            )
    return table
