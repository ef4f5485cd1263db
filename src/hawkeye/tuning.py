"""Hyperparameter search with Optuna on the pipeline's own subject-grouped folds.

Every trial is scored exactly like a training run (out-of-fold, same split),
so the best trial's figure is comparable with the registry's. The study is
stored in sqlite and named after the task and model: an interrupted search
resumes where it stopped, and more trials can be added later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import optuna
import pandas as pd

from hawkeye.config import GateConfig, ModelConfig
from hawkeye.evaluation.gate import greater_is_better
from hawkeye.evaluation.metrics import evaluate_predictions
from hawkeye.models import registry
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
    direction = "maximize" if greater_is_better(gate) else "minimize"
    sampler = optuna.samplers.TPESampler(seed=model.seed)
    study = optuna.create_study(
        study_name=study_name,
        storage=storage,
        direction=direction,
        sampler=sampler,
        load_if_exists=True,
    )

    def objective(trial: optuna.Trial) -> float:
        params = {**model.params, **search_space(model.name, trial)}
        cfg = model.model_copy(update={"params": params})
        result = cross_validate(features, folds, cfg, min_label, max_label)
        pooled = evaluate_predictions(result.predictions, min_label, max_label)["pooled"]["model"]
        if on_trial is not None:
            on_trial(trial.number, params, pooled)
        value = pooled.get(gate.metric)
        if value is None:
            raise ValueError(
                f"gate metric {gate.metric!r} is not reported for {model.name}; "
                f"reported: {sorted(pooled)}"
            )
        return value

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study.optimize(objective, n_trials=n_trials, timeout=timeout_s, show_progress_bar=True)
    trials = study.trials_dataframe(attrs=("number", "value", "params", "state"))
    return TuneResult(study.best_params, float(study.best_value), trials, study_name)
