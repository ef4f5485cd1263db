"""tune: an Optuna study over the model's hyperparameters; each trial a nested MLflow run."""

from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import log_metadata, step

from hawkeye.config import DatasetConfig, ModelConfig, RegisterConfig
from hawkeye.paths import state_dir
from hawkeye.tracking import log_trial
from hawkeye.tuning import tune as run_study
from steps.cache import DOMAIN_CACHE
from steps.run_state import mark_process


@step(experiment_tracker=True, cache_policy=DOMAIN_CACHE, enable_cache=False)
def tune(
    features: pd.DataFrame,
    folds: pd.DataFrame,
    model: ModelConfig,
    dataset: DatasetConfig,
    registry: RegisterConfig,
    n_trials: int,
    storage: str | None = None,
) -> Annotated[dict[str, Any], "best"]:
    """``storage`` defaults to a sqlite file in the state folder (shared filesystem on SLURM)."""
    mark_process()
    model_cfg, data_cfg, reg = model, dataset, registry
    study = f"{reg.model_name}-{model_cfg.name}"
    result = run_study(
        features,
        folds,
        model_cfg,
        reg.gate,
        n_trials,
        storage or f"sqlite:///{state_dir() / 'optuna.db'}",
        study,
        data_cfg.min_label,
        data_cfg.max_label,
        on_trial=log_trial,
    )
    mlflow.log_params({f"best.{k}": v for k, v in result.best_params.items()})
    mlflow.log_metric(f"best_{reg.gate.metric}", result.best_value)
    mlflow.log_table(result.trials.astype(str), "tuning/trials.json")
    best = {
        "study": study,
        "params": result.best_params,
        reg.gate.metric: result.best_value,
        "trials": len(result.trials),
    }
    log_metadata(metadata={"study": study, "best_value": result.best_value})
    return best
