"""register: a new MLflow model version; ``champion`` only through the quality gate."""

from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger

from hawkeye.config import DatasetConfig, RegisterConfig
from hawkeye.evaluation.gate import greater_is_better
from hawkeye.evaluation.metrics import flat_metrics
from hawkeye.external import beats_training_baselines, external_report, labelled_set
from hawkeye.features.table import LABELS_IN_TIME, feature_columns, identity
from hawkeye.models.base import is_frame_wise, is_zero_shot
from hawkeye.paths import resolve_data_path
from hawkeye.tracking import TAG_DATASET, TAG_TASK, lineage_tags, register_model
from steps.cache import DOMAIN_CACHE
from steps.run_state import mark_process

logger = get_logger(__name__)


def _example(model: Any, features: pd.DataFrame) -> pd.DataFrame:
    """The input a model takes: whole rows for video scorers, a recording's identity and
    files for frame-wise models (not its segments: those are what it predicts), its own
    columns for the rest."""
    if is_zero_shot(model):
        return features
    if is_frame_wise(model):
        return identity(features).drop(columns=["label", *LABELS_IN_TIME], errors="ignore")
    names = getattr(model, "feature_names_in_", None)
    return features[list(names)] if names is not None else features[feature_columns(features)]


@step(experiment_tracker=True, cache_policy=DOMAIN_CACHE)
def register(
    model: Any,
    features: pd.DataFrame,
    report: dict[str, Any],
    registry: RegisterConfig,
    dataset: DatasetConfig,
    fingerprint: str,
) -> Annotated[dict[str, Any], "registration"]:
    """``dataset`` rides along on the model version so `hawkeye predict` knows the task and
    landmark settings a new video must be processed with."""
    mark_process()
    cfg, data_cfg = registry, dataset
    context = {TAG_DATASET: data_cfg.model_dump_json(), TAG_TASK: data_cfg.task}
    external = None
    if cfg.gate.external is not None:  # the gate also asks for an external set
        ext = cfg.gate.external
        labelled = labelled_set(
            data_cfg.model_dump(), resolve_data_path(ext.path), ext.name or None
        )
        ext_report = external_report(model, labelled)
        external = beats_training_baselines(
            ext_report,
            cfg.gate.metric,
            ext.min_improvement_over_baseline,
            greater_is_better(cfg.gate),
        )
        mlflow.log_metrics(
            {
                f"external_{who}_{m}": v
                for who, metrics in ext_report["pooled"].items()
                for m, v in metrics.items()
                if v == v
            }
        )
        logger.info("External gate: %s", external[1])
    # The run that owns the model version carries its figures even when train/evaluate were cached.
    mlflow.log_metrics(flat_metrics(report, folds=False))
    outcome = register_model(
        model,
        _example(model, features),
        cfg.model_name,
        report,
        report["split_hash"],
        cfg.gate,
        lineage_tags(fingerprint, resolve_data_path(data_cfg.path)) | context,
        external,
    )
    logger.info(
        "Registered %s version %s as %s: %s",
        outcome["model_name"],
        outcome["version"],
        outcome["alias"],
        outcome["reason"],
    )
    log_metadata(metadata={k: str(v) for k, v in outcome.items()})
    return outcome
