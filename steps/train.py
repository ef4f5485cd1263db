"""train: cross-validated fit (out-of-fold predictions) and a final fit on all recordings."""

from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import step

from hawkeye.config import DatasetConfig, ModelConfig
from hawkeye.tracking import lineage_tags, log_quality
from hawkeye.training import cross_validate
from steps.cache import DOMAIN_CACHE


@step(experiment_tracker=True, cache_policy=DOMAIN_CACHE)
def train(
    features: pd.DataFrame, folds: pd.DataFrame, model: dict, dataset: dict, fingerprint: str
) -> tuple[Annotated[Any, "model"], Annotated[pd.DataFrame, "predictions"]]:
    model_cfg = ModelConfig.model_validate(model)
    data_cfg = DatasetConfig.model_validate(dataset)
    mlflow.set_tags({**lineage_tags(fingerprint), "dataset": data_cfg.name, "task": data_cfg.task})
    mlflow.log_params(
        {
            "model": model_cfg.name,
            "mode": model_cfg.mode,
            "seed": model_cfg.seed,
            **{f"model.{k}": v for k, v in model_cfg.params.items()},
            "n_recordings": len(features),
            "n_subjects": features["subject_id"].nunique(),
        }
    )
    log_quality(features)
    result = cross_validate(
        features, folds, model_cfg, data_cfg.min_label, data_cfg.max_label, task=data_cfg.task
    )
    mlflow.log_metrics(
        {
            "train_seconds": result.fit_seconds,
            "train_samples_per_second": len(features)
            * folds["fold"].nunique()
            / max(result.fit_seconds, 1e-9),
        }
    )
    return result.model, result.predictions
