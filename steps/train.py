"""train: cross-validated fit (out-of-fold predictions) and a final fit on all recordings.

On SLURM, finished folds are kept in the job's checkpoint folder, so a requeued job (time
limit, preemption) resumes where it stopped; ``slurm_requeues`` and ``train.resumed_folds``
say what happened. The environment profile of the step's process (``$HAWKEYE_ENV``; on
SLURM the job's) sets batch size, learning rate, precision, device, workers or ``n_jobs``
where the run configuration names none (``hawkeye.profiles.apply``); ``profile.*`` params
say what it set.
"""

import os
from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import log_metadata, step
from zenml.client import Client
from zenml.config import CachePolicy

from hawkeye.config import DatasetConfig, ModelConfig
from hawkeye.paths import resolve_data_path
from hawkeye.profiles import apply_current
from hawkeye.provenance import code_version
from hawkeye.tracking import lineage_tags, log_quality, log_training_inputs
from hawkeye.training import cross_validate
from stacks.slurm import environment as slurm_env
from steps.run_state import mark_process


def profile_cache_key() -> str:
    """The domain code's hash (``steps.cache.DOMAIN_CACHE``) and, under a profile other than
    local, its name: a run under another ``$HAWKEYE_ENV`` (as the submitting process sees it)
    trains again instead of reusing the local run's model."""
    env = os.environ.get("HAWKEYE_ENV", "local")
    return code_version() if env == "local" else f"{code_version()}-{env}"


TRAIN_CACHE = CachePolicy(cache_func=profile_cache_key)


def _with_secret(cfg: ModelConfig) -> ModelConfig:
    """``params.api_key_secret: NAME.KEY`` reads an API key from a ZenML secret into the
    environment variable the API scorer reads (``api_key_env``), so no key sits in a config."""
    ref = cfg.params.get("api_key_secret")
    if not ref:
        return cfg
    name, _, key = str(ref).partition(".")
    values = Client().get_secret(name).secret_values
    if key not in values:
        raise KeyError(f"ZenML secret {name!r} has no key {key!r} (it has: {sorted(values)})")
    env_var = cfg.params.get("api_key_env") or "HAWKEYE_API_KEY"
    os.environ[env_var] = values[key]
    params = {k: v for k, v in cfg.params.items() if k != "api_key_secret"}
    return cfg.model_copy(update={"params": {**params, "api_key_env": env_var}})


@step(experiment_tracker=True, cache_policy=TRAIN_CACHE)
def train(
    features: pd.DataFrame,
    folds: pd.DataFrame,
    model: ModelConfig,
    dataset: DatasetConfig,
    fingerprint: str,
) -> tuple[Annotated[Any, "model"], Annotated[pd.DataFrame, "predictions"]]:
    mark_process()
    model_cfg, applied = apply_current(_with_secret(model))
    data_cfg = dataset
    lineage = lineage_tags(fingerprint, resolve_data_path(data_cfg.path))
    mlflow.set_tags({**lineage, "dataset": data_cfg.name, "task": data_cfg.task})
    mlflow.log_params(
        {
            "model": model_cfg.name,
            "mode": model_cfg.mode,
            "seed": model_cfg.seed,
            **{f"model.{k}": v for k, v in model_cfg.params.items()},
            "n_recordings": len(features),
            "n_subjects": features["subject_id"].nunique(),
            **applied.params(),
        }
    )
    log_quality(features)
    # On SLURM the job's checkpoint folder outlives a requeue: finished folds (and a net's
    # epochs) are kept there and the next attempt trains only the rest.
    checkpoint = slurm_env.checkpoint_folder()
    requeues = slurm_env.attempt() - 1
    result = cross_validate(
        features,
        folds,
        model_cfg,
        data_cfg.min_label,
        data_cfg.max_label,
        task=data_cfg.task,
        segment_track=data_cfg.segment_track,
        checkpoint=checkpoint / "train" if checkpoint else None,
    )
    if checkpoint:
        mlflow.log_metric("slurm_requeues", requeues)
        mlflow.set_tag("train.resumed_folds", ",".join(map(str, result.resumed_folds)) or "none")
        log_metadata(metadata={"slurm_requeues": requeues, "resumed_folds": result.resumed_folds})
    log_training_inputs(
        result.model, features, data_cfg.name, fingerprint, str(resolve_data_path(data_cfg.path))
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
