"""MLflow adapter: run metadata, evaluation logging and the model registry with aliases.

One of the two modules of the domain that reach outside (DESIGN.md). Every
function logs into the *active* MLflow run, which ZenML's experiment tracker
or the CLI starts, so the same code serves both.
"""

from __future__ import annotations

import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import skops.io
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.tracking import MlflowClient

from hawkeye.config import GateConfig
from hawkeye.gate import Champion, Decision, decide
from hawkeye.metrics import confusion_figure, flat_metrics, summary_table
from hawkeye.paths import state_dir
from hawkeye.provenance import code_version, dvc_data_md5, git_commit

TAG_SPLIT = "hawkeye.split_hash"
TAG_DATA = "hawkeye.data_dvc_md5"
TAG_FINGERPRINT = "hawkeye.data_fingerprint"
TAG_COMMIT = "hawkeye.git_commit"
TAG_CODE = "hawkeye.code_version"


def default_tracking_uri() -> str:
    """sqlite store under the project's state folder; ``MLFLOW_TRACKING_URI`` overrides it."""
    return f"sqlite:///{state_dir() / 'mlflow.db'}"


def default_artifact_root() -> str:
    return (state_dir() / "mlartifacts").as_uri()


def ensure_experiment(name: str, tracking_uri: str, artifact_root: str) -> str:
    """Create the experiment with an explicit artifact folder (MLflow would use ./mlruns)."""
    client = MlflowClient(tracking_uri)
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return existing.experiment_id
    return client.create_experiment(name, artifact_location=f"{artifact_root.rstrip('/')}/{name}")


def lineage_tags(fingerprint: str) -> dict[str, str]:
    return {
        TAG_COMMIT: git_commit(),
        TAG_DATA: dvc_data_md5(),
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
    flat = flat_metrics(report)
    mlflow.log_metrics(flat)
    mlflow.set_tag(TAG_SPLIT, split_hash)
    fig = confusion_figure(predictions["label"], predictions["score"], min_label, max_label)
    mlflow.log_figure(fig, "plots/confusion.png")
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "predictions.csv"
        predictions.to_csv(csv, index=False)
        mlflow.log_artifact(str(csv), "evaluation")
    mlflow.log_dict(report, "evaluation/report.json")
    mlflow.log_text(summary_table(report), "evaluation/summary.md")
    return flat


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


def _requirements() -> list[str]:
    reqs = []
    for pkg in ("hawkeye", "scikit-learn", "xgboost", "numpy", "pandas", "skops"):
        try:
            reqs.append(f"{pkg}=={version(pkg)}")
        except PackageNotFoundError:
            continue
    return reqs


def current_champion(client: MlflowClient, name: str, metric: str) -> Champion | None:
    try:
        mv = client.get_model_version_by_alias(name, "champion")
    except MlflowException:
        return None
    value = mv.tags.get(f"metric.{metric}")
    return Champion(
        str(mv.version),
        float(value) if value is not None else float("nan"),
        mv.tags.get(TAG_SPLIT, ""),
    )


def register_model(
    model: Any,
    example: pd.DataFrame,
    name: str,
    report: dict[str, Any],
    split_hash: str,
    gate: GateConfig,
    tags: dict[str, str],
) -> dict[str, Any]:
    """Log and register the model in the active run, then let the gate choose its alias."""
    client = MlflowClient()
    champion = current_champion(client, name, gate.metric)
    decision: Decision = decide(report, split_hash, champion, gate)
    example = example.head(5)
    # skops (not pickle) is MLflow's safe format: loading runs no arbitrary code, only the
    # types listed here, which are the ones this model was just built from.
    trusted = skops.io.get_untrusted_types(data=skops.io.dumps(model))
    info = mlflow.sklearn.log_model(
        model,
        name="model",
        registered_model_name=name,
        signature=infer_signature(example, model.predict(example)),
        input_example=example,
        pip_requirements=_requirements(),
        serialization_format="skops",
        skops_trusted_types=trusted,
    )
    version_ = str(info.registered_model_version)
    pooled = report["pooled"]["model"]
    version_tags = {
        **tags,
        TAG_SPLIT: split_hash,
        "gate.decision": decision.alias,
        "gate.reason": decision.reason,
        **{f"metric.{k}": f"{v:.6g}" for k, v in pooled.items()},
    }
    for key, value in version_tags.items():
        client.set_model_version_tag(name, version_, key, value)
    client.set_registered_model_alias(name, decision.alias, version_)
    mlflow.set_tags(
        {
            "gate.decision": decision.alias,
            "gate.reason": decision.reason,
            "registered_version": version_,
        }
    )
    return {
        "model_name": name,
        "version": version_,
        "alias": decision.alias,
        "reason": decision.reason,
        "previous_champion": champion.version if champion else None,
    }
