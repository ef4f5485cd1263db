"""tune: an Optuna study over the model's hyperparameters; each trial a nested MLflow run.

The environment profile applies to every trial as to the train step (``hawkeye.profiles``);
a value a trial samples (a sequence net's ``lr``, ``batch_size``) wins over the profile's.
"""

from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import log_metadata, step

from hawkeye.config import DatasetConfig, ModelConfig, RegisterConfig
from hawkeye.paths import state_dir
from hawkeye.profiles import apply_current
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
    model_cfg, applied = apply_current(model)
    data_cfg, reg = dataset, registry
    mlflow.log_params(applied.params())
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
    searched = sorted(set(applied.changed) & set(result.best_params))
    if searched:  # the profile's value was the start; each trial set its own
        mlflow.log_param("profile.searched", ", ".join(searched))
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
