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
from hawkeye.evaluation.metrics import evaluate_predictions
from hawkeye.models.sequence.names import ARCHITECTURES, ONE_CLASS  # names only: no torch
from hawkeye.training import cross_validate


def search_space(model: str, trial: optuna.Trial) -> dict[str, Any]:
    """Ranges wide enough to matter and narrow enough for tens of trials."""
    if model == "random_forest":
        return {
            "n_estimators": trial.suggest_int("n_estimators", 100, 600, step=50),
            "max_depth": trial.suggest_categorical("max_depth", [None, 4, 8, 16]),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 10),
            "max_features": trial.suggest_categorical("max_features", ["sqrt", 0.3, 0.6, 1.0]),
        }
    if model == "xgboost":
        return {
            "n_estimators": trial.suggest_int("n_estimators", 100, 800, step=50),
            "max_depth": trial.suggest_int("max_depth", 2, 8),
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
            "min_child_weight": trial.suggest_float("min_child_weight", 0.5, 10, log=True),
            "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10, log=True),
        }
    if model in ARCHITECTURES + ONE_CLASS:
        # The knobs that moved the benchmarks most; epochs and length stay the config's.
        space: dict[str, Any] = {
            "lr": trial.suggest_float("lr", 1e-4, 1e-2, log=True),
            "hidden": trial.suggest_categorical("hidden", [32, 64, 128]),
            "dropout": trial.suggest_float("dropout", 0.0, 0.4),
            "weight_decay": trial.suggest_float("weight_decay", 1e-4, 1e-1, log=True),
            "batch_size": trial.suggest_categorical("batch_size", [16, 32, 64]),
        }
        if model in ONE_CLASS:
            space["latent"] = trial.suggest_categorical("latent", [8, 16, 32])
        else:
            space["velocity"] = trial.suggest_categorical("velocity", [True, False])
            space["mixup"] = trial.suggest_categorical("mixup", [0.0, 0.2])
        return space
    if model == "ordinal_logistic":
        return {"alpha": trial.suggest_float("alpha", 1e-3, 100, log=True)}
    raise ValueError(
        f"no search space for model {model!r} (random_forest, xgboost, ordinal_logistic, "
        "the sequence nets and the autoencoder)"
    )


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
    direction = "maximize" if gate.greater_is_better else "minimize"
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
