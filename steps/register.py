"""register: a new MLflow model version; ``champion`` only through the quality gate."""

from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger

from hawkeye.config import DatasetConfig, RegisterConfig
from hawkeye.features.table import feature_columns
from hawkeye.metrics import flat_metrics
from hawkeye.tracking import TAG_DATASET, TAG_TASK, lineage_tags, register_model
from steps.cache import DOMAIN_CACHE

logger = get_logger(__name__)


def _example(model: Any, features: pd.DataFrame) -> pd.DataFrame:
    """The input a model takes: whole rows for video scorers, its own columns for the rest."""
    if hasattr(model, "predict_details"):
        return features
    names = getattr(model, "feature_names_in_", None)
    return features[list(names)] if names is not None else features[feature_columns(features)]


@step(experiment_tracker=True, cache_policy=DOMAIN_CACHE)
def register(
    model: Any,
    features: pd.DataFrame,
    report: dict[str, Any],
    registry: dict,
    dataset: dict,
    fingerprint: str,
) -> Annotated[dict[str, Any], "registration"]:
    """``dataset`` rides along on the model version so `hawkeye predict` knows the task and
    landmark settings a new video must be processed with."""
    cfg = RegisterConfig.model_validate(registry)
    data_cfg = DatasetConfig.model_validate(dataset)
    context = {TAG_DATASET: data_cfg.model_dump_json(), TAG_TASK: data_cfg.task}
    # The run that owns the model version carries its figures even when train/evaluate were cached.
    mlflow.log_metrics(flat_metrics(report))
    outcome = register_model(
        model,
        _example(model, features),
        cfg.model_name,
        report,
        report["split_hash"],
        cfg.gate,
        lineage_tags(fingerprint) | context,
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
