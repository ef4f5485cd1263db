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
from zenml import get_step_context, log_metadata, step
from zenml.client import Client
from zenml.config import CachePolicy
from zenml.logger import get_logger

from hawkeye.config import DatasetConfig, ModelConfig
from hawkeye.models.registry import spec
from hawkeye.paths import resolve_data_path
from hawkeye.profiles import apply_current
from hawkeye.provenance import code_version
from hawkeye.tracking import lineage_tags, log_quality, log_training_inputs
from hawkeye.training import cross_validate, fit_folds_task
from stacks.slurm import environment as slurm_env
from steps.run_state import mark_process
from steps.slurm_array import EXTRA_KEY, step_array, submissions_summary


def profile_cache_key() -> str:
    """The domain code's hash (``steps.cache.DOMAIN_CACHE``) and, under a profile other than
    local, its name: a run under another ``$HAWKEYE_ENV`` (as the submitting process sees it)
    trains again instead of reusing the local run's model."""
    env = os.environ.get("HAWKEYE_ENV", "local")
    return code_version() if env == "local" else f"{code_version()}-{env}"


logger = get_logger(__name__)
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


def _folds_on_array(
    array: Any,
    features: pd.DataFrame,
    folds: pd.DataFrame,
    model: ModelConfig,
    dataset: DatasetConfig,
) -> dict[str, Any]:
    """Each task trains ``shard_size`` folds into the array folder's FoldStore (a retried
    task reads back what its killed attempt finished); the step then reads them all."""
    array.folder.mkdir(parents=True, exist_ok=True)
    inputs = array.folder / "inputs.pkl"
    pd.to_pickle((features, folds), inputs)
    test_folds = sorted(int(k) for k in folds["fold"].unique() if k >= 0)
    size = array.settings.shard_size
    shards = [test_folds[i : i + size] for i in range(0, len(test_folds), size)]
    args = [
        (
            str(inputs),
            model.model_dump_json(),
            shard,
            str(array.folder / "train"),
            dataset.min_label,
            dataset.max_label,
            dataset.task,
            dataset.segment_track,
        )
        for shard in shards
    ]
    records = array.run(fit_folds_task, args)
    rows = [
        {
            "task": r.index,
            "folds": shards[r.index],
            "task_ids": [a.task_id for a in r.attempts],
            "states": [a.state for a in r.attempts],
            "trained": r.result["trained"] if r.ok else [],
            "seconds": r.result["seconds"] if r.ok else None,
        }
        for r in records
    ]
    for row in rows:
        logger.info("train task %s: folds %s, %s", row["task"], row["folds"], row["states"])
    failed = [row for r, row in zip(records, rows, strict=True) if not r.ok]
    if failed:
        raise RuntimeError(f"fold task(s) did not complete after their retries: {failed}")
    return {"per_task": rows, "submissions": submissions_summary(array)}


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
    context = get_step_context()
    extra = context.step_run.config.extra.get(EXTRA_KEY) or {}
    array = None
    if not spec(model_cfg.name).zero_shot:  # a zero-shot scorer has no folds to train
        array = step_array("train", extra, str(context.pipeline_run.id), logger.info)
    if array is not None:  # the folds as array tasks into one store; the final fit here
        checkpoint = array.folder
        report = _folds_on_array(array, features, folds, model_cfg, data_cfg)
        log_metadata(metadata={"train_array": report})
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
    if array is not None:
        log_metadata(metadata={"train_array_read_back": result.resumed_folds})
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
