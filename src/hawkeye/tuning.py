"""Hyperparameter search with Optuna on the pipeline's own subject-grouped folds.

Every trial is scored exactly like a training run (out-of-fold, same split),
so the best trial's figure is comparable with the registry's. The study is
stored in sqlite and named after the task and model: an interrupted search
resumes where it stopped, and more trials can be added later.

Trials can also run in many processes at once, on many machines: :func:`run_trials` is one
such worker (what a SLURM array task runs, ``steps/tune.py``). The workers share the study
through an Optuna journal file (:func:`journal_storage`), which takes appends from several
hosts on a shared filesystem where sqlite's locking does not hold, and each stops once the
study has the trials it was asked for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import pandas as pd

from hawkeye.config import GateConfig, ModelConfig
from hawkeye.evaluation.gate import greater_is_better
from hawkeye.evaluation.metrics import evaluate_predictions
from hawkeye.models import registry
from hawkeye.profiles import apply_current
from hawkeye.training import cross_validate


def search_space(model: str, trial: optuna.Trial) -> dict[str, Any]:
    """The registered model's space (hawkeye.models.registry), sampled by ``trial``."""
    return registry.search_space(model, trial)


@dataclass
class TuneResult:
    best_params: dict[str, Any]
    best_value: float
    trials: pd.DataFrame  # one row a trial: number, value, params, state
    study_name: str


TrialLogger = Callable[[int, dict[str, Any], dict[str, float]], None]


def _objective(
    features: pd.DataFrame,
    folds: pd.DataFrame,
    model: ModelConfig,
    gate: GateConfig,
    min_label: int,
    max_label: int,
    on_trial: TrialLogger | None = None,
) -> Callable[[optuna.Trial], float]:
    def objective(trial: optuna.Trial) -> float:
        params = {**model.params, **search_space(model.name, trial)}
        cfg = model.model_copy(update={"params": params})
        result = cross_validate(features, folds, cfg, min_label, max_label)
        pooled = evaluate_predictions(result.predictions, min_label, max_label)["pooled"]["model"]
        # Kept with the trial, so a worker elsewhere leaves what MLflow needs in the study.
        trial.set_user_attr("metrics", {k: float(v) for k, v in pooled.items()})
        if on_trial is not None:
            on_trial(trial.number, params, pooled)
        value = pooled.get(gate.metric)
        if value is None:
            raise ValueError(
                f"gate metric {gate.metric!r} is not reported for {model.name}; "
                f"reported: {sorted(pooled)}"
            )
        return value

    return objective


def _study(
    storage: str | optuna.storages.BaseStorage,
    study_name: str,
    model: ModelConfig,
    gate: GateConfig,
    seed: int | None = None,
) -> optuna.Study:
    direction = "maximize" if greater_is_better(gate) else "minimize"
    sampler = optuna.samplers.TPESampler(seed=model.seed if seed is None else seed)
    return optuna.create_study(
        study_name=study_name,
        storage=storage,
        direction=direction,
        sampler=sampler,
        load_if_exists=True,
    )


def _result(study: optuna.Study, study_name: str) -> TuneResult:
    trials = study.trials_dataframe(attrs=("number", "value", "params", "state"))
    return TuneResult(study.best_params, float(study.best_value), trials, study_name)


def tune(
    features: pd.DataFrame,
    folds: pd.DataFrame,
    model: ModelConfig,
    gate: GateConfig,
    n_trials: int,
    storage: str,
    study_name: str,
    min_label: int = 0,
    max_label: int = 4,
    timeout_s: float | None = None,
    on_trial: TrialLogger | None = None,
) -> TuneResult:
    """Search ``model``'s space, minimising (or maximising) the gate's metric out of fold."""
    study = _study(storage, study_name, model, gate)
    objective = _objective(features, folds, model, gate, min_label, max_label, on_trial)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study.optimize(objective, n_trials=n_trials, timeout=timeout_s, show_progress_bar=True)
    return _result(study, study_name)


def journal_storage(path: str | Path) -> optuna.storages.JournalStorage:
    """A study store in one append-only file (Optuna's JournalFileBackend, file-locked)."""
    from optuna.storages.journal import JournalFileBackend

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


def completed(study: optuna.Study) -> int:
    return sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


def run_trials(
    inputs: str,
    model_json: str,
    gate_json: str,
    journal: str,
    study_name: str,
    target: int,
    at_most: int,
    worker: int,
    min_label: int = 0,
    max_label: int = 4,
) -> dict[str, Any]:
    """One worker of a study shared through a journal file: an array task's work.

    Reads the features and folds from ``inputs`` (a pickle of the two frames), then runs
    trials until the study holds ``target`` completed ones, at most ``at_most`` of its own.
    A worker started again after it was killed carries on from what the study holds. The
    environment profile is applied here, where the trials run (``hawkeye.profiles``). The
    sampler is seeded with the model's seed plus ``worker``, so workers do not all draw the
    same first points. Returns the numbers of the trials it completed, the seconds and the
    profile's MLflow parameters.
    """
    start = time.perf_counter()
    features, folds = pd.read_pickle(inputs)
    model, applied = apply_current(ModelConfig.model_validate_json(model_json))
    gate = GateConfig.model_validate_json(gate_json)
    study = _study(journal_storage(journal), study_name, model, gate, (model.seed or 0) + worker)
    mine: list[int] = []

    def note(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if trial.state == optuna.trial.TrialState.COMPLETE:
            mine.append(trial.number)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if completed(study) < target:
        study.optimize(
            _objective(features, folds, model, gate, min_label, max_label),
            n_trials=at_most,
            callbacks=[note, optuna.study.MaxTrialsCallback(target)],
        )
    return {
        "worker": worker,
        "trials": mine,
        "seconds": round(time.perf_counter() - start, 3),
        "profile": applied.params(),
    }


def journal_result(journal: str | Path, study_name: str) -> tuple[TuneResult, optuna.Study]:
    """The study the workers filled: best parameters and value, every trial."""
    study = optuna.load_study(study_name=study_name, storage=journal_storage(journal))
    return _result(study, study_name), study
