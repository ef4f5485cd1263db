"""MLflow side of external validation and site adaptation.

An external evaluation is its own run in the model's experiment, tagged with the model
version it evaluated, and its headline figures are copied onto that version's tags so
``hawkeye models list`` shows them. An adapted model is a new version of the same
registered model whose tags name the base version and the adaptation data.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.tracking import MlflowClient

from hawkeye.tracking.registry import (
    TAG_DATASET,
    TAG_TASK,
    LoadedModel,
    log_registered_model,
)
from hawkeye.tracking.runs import TAG_FINGERPRINT, default_artifact_root, ensure_experiment

TAG_EVALUATED = "hawkeye.evaluation_of"
TAG_BASE = "lineage.base_version"
TAG_ADAPTATION = "lineage.adaptation_data"


def _flat(pooled: dict[str, dict[str, float]], prefix: str) -> dict[str, float]:
    return {
        f"{prefix}{who}_{m}": v
        for who, metrics in pooled.items()
        for m, v in metrics.items()
        if isinstance(v, float) and math.isfinite(v)
    }


def _log_predictions(frame: pd.DataFrame, folder: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "predictions.csv"
        frame.drop(columns=["assessment"], errors="ignore").to_csv(path, index=False)
        mlflow.log_artifact(str(path), folder)


def log_external_evaluation(
    loaded: LoadedModel, report: dict[str, Any], fingerprint: str, tracking_uri: str
) -> str:
    """Log ``report`` (see :func:`hawkeye.external.external_report`) as its own run."""
    mlflow.set_tracking_uri(tracking_uri)
    experiment = ensure_experiment(loaded.name, tracking_uri, default_artifact_root())
    name = f"external-{report['set']}-v{loaded.version}"
    tags = {
        TAG_EVALUATED: f"{loaded.name}/{loaded.version}",
        "hawkeye.external_set": report["set"],
        TAG_FINGERPRINT: fingerprint,
    }
    with mlflow.start_run(experiment_id=experiment, run_name=name, tags=tags) as run:
        mlflow.log_params(
            {
                "model_uri": loaded.uri,
                "model_version": loaded.version,
                "n_samples": report["n_samples"],
                "n_subjects": report["n_subjects"],
            }
        )
        mlflow.log_metrics(_flat(report["pooled"], "") | {"coverage": report["coverage"]})
        mlflow.log_dict(
            {k: v for k, v in report.items() if k != "predictions"}, "external/report.json"
        )
        _log_predictions(report["predictions"], "external")
    client = MlflowClient(tracking_uri)
    pooled = report["pooled"]
    best = min((v["mae"] for k, v in pooled.items() if k.startswith("baseline")), default=math.nan)
    for key, value in {
        f"external.{report['set']}.mae": f"{pooled['model']['mae']:.6g}",
        f"external.{report['set']}.baseline_mae": f"{best:.6g}",
        f"external.{report['set']}.own_mean_mae": f"{pooled['external_mean']['mae']:.6g}",
        f"external.{report['set']}.n": str(report["n_scored"]),
        f"external.{report['set']}.run_id": run.info.run_id,
        "external.latest": report["set"],
    }.items():
        client.set_model_version_tag(loaded.name, loaded.version, key, value)
    return run.info.run_id


def register_adapted(
    loaded: LoadedModel,
    adapted: Any,
    example: pd.DataFrame,
    report: dict[str, Any],
    predictions: pd.DataFrame,
    fingerprint: str,
    tracking_uri: str,
) -> dict[str, str]:
    """Register the adapted model as a new version; ``challenger`` at most, never champion.

    Its figures come from the site's cross-validation, not the champion's split, so the gate
    cannot compare them: a person promotes it (``hawkeye models promote``) for that site. A
    version whose cross-validated error is no better than the base model's gets no alias.
    """
    mlflow.set_tracking_uri(tracking_uri)
    experiment = ensure_experiment(loaded.name, tracking_uri, default_artifact_root())
    run_name = f"adapt-{report['set']}-{report['method']}-from-v{loaded.version}"
    with mlflow.start_run(experiment_id=experiment, run_name=run_name) as run:
        mlflow.log_params(
            {
                "base_version": loaded.version,
                "method": report["method"],
                "n_samples": report["n_samples"],
                "n_folds": report["n_folds"],
            }
        )
        mlflow.log_metrics(_flat(report["pooled"], ""))
        mlflow.log_dict(report, "adaptation/report.json")
        _log_predictions(predictions, "adaptation")
        adapted_mae, base_mae = report["pooled"]["adapted"]["mae"], report["pooled"]["base"]["mae"]
        helps = adapted_mae < base_mae
        reason = (
            f"site adaptation ({report['method']}) of v{loaded.version} on {report['set']}: "
            f"cross-validated mae {base_mae:.3f} -> {adapted_mae:.3f}; "
            + (
                "not comparable with the champion's split, promote by hand for that site"
                if helps
                else "no better than the base model there, so no alias"
            )
        )
        version = log_registered_model(
            adapted,
            example,
            loaded.name,
            {
                TAG_BASE: loaded.version,
                TAG_ADAPTATION: f"{report['set']} ({fingerprint})",
                TAG_DATASET: loaded.tags.get(TAG_DATASET, "{}"),
                TAG_TASK: loaded.tags.get(TAG_TASK, ""),
                "gate.decision": "challenger" if helps else "none",
                "gate.reason": reason,
                **{f"metric.{k}": f"{v:.6g}" for k, v in report["pooled"]["adapted"].items()},
            },
        )
        if helps:
            MlflowClient(tracking_uri).set_registered_model_alias(
                loaded.name, "challenger", version
            )
        mlflow.set_tags({"registered_version": version, TAG_BASE: loaded.version})
    return {
        "version": version,
        "run_id": run.info.run_id,
        "reason": reason,
        "alias": "challenger" if helps else "",
    }
