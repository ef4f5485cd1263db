"""tune: an Optuna study over the model's hyperparameters; each trial a nested MLflow run.

The environment profile applies to every trial as to the train step (``hawkeye.profiles``);
a value a trial samples (a sequence net's ``lr``, ``batch_size``) wins over the profile's.

On a stack whose step operator is SLURM, the trials run as a SLURM job array instead: one
task a ``shard_size`` trials (``steps.tune.extra.slurm_array``, as for the landmark step),
at most ``max_parallel`` at once, every task a worker of one study in an Optuna journal file
(``$HAWKEYE_HOME/optuna-journal.log``, on the shared filesystem), each stopping once the
study has ``n_trials`` more completed trials than it started with. A killed task is
resubmitted and the study carries on from what it holds. The trials reach MLflow as nested
runs once the array is done, and the profile is applied in each task, where the trials run.
"""

import math
from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import get_step_context, log_metadata, step
from zenml.logger import get_logger

from hawkeye.config import DatasetConfig, ModelConfig, RegisterConfig
from hawkeye.paths import state_dir
from hawkeye.profiles import apply_current
from hawkeye.tracking import log_trial
from hawkeye.tuning import TuneResult, completed, journal_result, journal_storage, run_trials
from hawkeye.tuning import tune as run_study
from steps.cache import DOMAIN_CACHE
from steps.run_state import mark_process
from steps.slurm_array import EXTRA_KEY, step_array, submissions_summary

logger = get_logger(__name__)


def _on_array(
    array: Any,
    features: pd.DataFrame,
    folds: pd.DataFrame,
    model: ModelConfig,
    registry: RegisterConfig,
    dataset: DatasetConfig,
    n_trials: int,
    study: str,
) -> tuple[TuneResult, dict[str, Any], dict[str, Any]]:
    """The study's new trials as array tasks; the result, the profile applied, a report."""
    journal = state_dir() / "optuna-journal.log"
    existing = journal_storage(journal)
    try:
        import optuna

        start = completed(optuna.load_study(study_name=study, storage=existing))
    except KeyError:  # a new study
        start = 0
    target = start + n_trials
    per_task = array.settings.shard_size
    tasks = math.ceil(n_trials / per_task)
    array.folder.mkdir(parents=True, exist_ok=True)
    inputs = array.folder / "inputs.pkl"
    pd.to_pickle((features, folds), inputs)
    args = [
        (
            str(inputs),
            model.model_dump_json(),
            registry.gate.model_dump_json(),
            str(journal),
            study,
            target,
            per_task,
            i,
            dataset.min_label,
            dataset.max_label,
        )
        for i in range(tasks)
    ]
    records = array.run(run_trials, args)
    result, frozen = journal_result(journal, study)
    new = {n for r in records if r.ok for n in r.result["trials"]}
    for trial in sorted(frozen.trials, key=lambda t: t.number):
        if trial.number in new:
            log_trial(trial.number, {**model.params, **trial.params}, trial.user_attrs["metrics"])
    profile = next((r.result["profile"] for r in records if r.ok), {})
    rows = [
        {
            "task": r.index,
            "task_ids": [a.task_id for a in r.attempts],
            "states": [a.state for a in r.attempts],
            "attempts": len(r.attempts),
            "trials": r.result["trials"] if r.ok else [],
            "seconds": r.result["seconds"] if r.ok else None,
        }
        for r in records
    ]
    report = {
        "journal": str(journal),
        "completed_before": start,
        "completed_after": completed(frozen),
        "tasks": sum(len(r.attempts) for r in records),
        "per_task": rows,
        "submissions": submissions_summary(array),
    }
    for row in rows:
        logger.info(
            "tune task %s: %s (%s), trials %s",
            row["task"],
            ",".join(row["task_ids"]),
            ",".join(row["states"]),
            row["trials"],
        )
    if not new:
        raise RuntimeError(f"no trial of study {study} completed on SLURM: {rows}")
    return result, profile, report


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
    """``storage`` defaults to a sqlite file in the state folder (here; on a SLURM array the
    study is in the journal file, see the module's docstring)."""
    mark_process()
    data_cfg, reg = dataset, registry
    context = get_step_context()
    extra = context.step_run.config.extra.get(EXTRA_KEY) or {}
    array = step_array("tune", extra, str(context.pipeline_run.id), logger.info)
    report: dict[str, Any] = {}
    if array is None:
        model_cfg, applied = apply_current(model)
        profile, changed = applied.params(), set(applied.changed)
        study = f"{reg.model_name}-{model_cfg.name}"
        mlflow.log_params(profile)
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
    else:
        study = f"{reg.model_name}-{model.name}"
        result, profile, report = _on_array(
            array, features, folds, model, reg, data_cfg, n_trials, study
        )
        changed = {
            k.removeprefix("profile.")
            for k in profile
            if k.startswith("profile.") and k != "profile.config_wins"
        }
        mlflow.log_params(profile)
    mlflow.log_params({f"best.{k}": v for k, v in result.best_params.items()})
    searched = sorted(changed & set(result.best_params))
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
    metadata: dict[str, Any] = {"study": study, "best_value": result.best_value}
    if report:
        metadata["tune_array"] = report
    log_metadata(metadata=metadata)
    return best
