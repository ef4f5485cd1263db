from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest

from hawkeye.config import GateConfig, ModelConfig, SplitConfig
from hawkeye.models.sequence.names import ARCHITECTURES, ONE_CLASS, resolve_params
from hawkeye.splits import make_folds
from hawkeye.tuning import search_space, tune
from tests.conftest import labelled_table
from tests.sequence_synthetic import one_torch_thread, write_recordings  # noqa: F401


def test_study_logs_every_trial_and_resumes(tmp_path: Path) -> None:
    table = labelled_table(48, seed=1, noise=0.5)
    folds = make_folds(table, SplitConfig(n_splits=3))
    seen: list[tuple[int, dict, dict]] = []
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    model = ModelConfig(name="xgboost", params={"n_jobs": 1})
    first = tune(
        table,
        folds,
        model,
        GateConfig(),
        2,
        storage,
        "t-xgb",
        on_trial=lambda n, p, m: seen.append((n, p, m)),
    )
    assert [n for n, _, _ in seen] == [0, 1]
    assert all("learning_rate" in p and "mae" in m for _, p, m in seen)
    assert first.best_value == min(m["mae"] for _, _, m in seen)
    assert (
        first.best_value < np.abs(table["label"] - table["label"].mean()).mean()
    )  # beats the mean

    again = tune(table, folds, model, GateConfig(), 1, storage, "t-xgb")  # same study: resumes
    assert len(again.trials) == 3 and again.best_value <= first.best_value


@pytest.mark.parametrize("name", [*ARCHITECTURES, *ONE_CLASS])
def test_every_sequence_model_has_a_space_its_params_accept(name: str) -> None:
    trial = optuna.trial.FixedTrial(
        {
            "lr": 1e-3,
            "hidden": 32,
            "dropout": 0.1,
            "weight_decay": 1e-2,
            "batch_size": 16,
            "latent": 8,
            "velocity": False,
            "mixup": 0.2,
        }
    )
    params = search_space(name, trial)
    assert resolve_params(params)["hidden"] == 32  # every key a real parameter
    assert ("latent" in params) == (name in ONE_CLASS)


def test_a_sequence_net_study_runs_trials(tmp_path: Path) -> None:
    table = write_recordings(tmp_path / "d", n_subjects=6, per_subject=2)
    folds = make_folds(table, SplitConfig(strategy="group_kfold", n_splits=2))
    model = ModelConfig(name="tcn", params={"max_epochs": 2, "max_len": 32, "val_fraction": 0.0})
    result = tune(table, folds, model, GateConfig(), 2, f"sqlite:///{tmp_path / 'o.db'}", "t")
    assert len(result.trials) == 2 and np.isfinite(result.best_value)
    assert {"lr", "hidden", "velocity"} <= set(result.best_params)


def test_workers_share_one_study_through_a_journal_file(tmp_path: Path) -> None:
    """Two workers (as two array tasks would) fill one study to its target, then stop."""
    from hawkeye.tuning import journal_result, run_trials

    table = labelled_table(48, seed=1, noise=0.5)
    folds = make_folds(table, SplitConfig(n_splits=3))
    inputs = tmp_path / "inputs.pkl"
    pd.to_pickle((table, folds), inputs)
    model = ModelConfig(name="random_forest", params={"n_estimators": 20, "n_jobs": 1})
    journal = str(tmp_path / "journal.log")
    args = (str(inputs), model.model_dump_json(), GateConfig().model_dump_json(), journal, "j")
    first = run_trials(*args, target=3, at_most=2, worker=0)
    second = run_trials(*args, target=3, at_most=2, worker=1)  # one more reaches the target
    third = run_trials(*args, target=3, at_most=2, worker=2)  # nothing left to do
    assert first["trials"] == [0, 1] and second["trials"] == [2] and third["trials"] == []
    result, study = journal_result(journal, "j")
    assert len(result.trials) == 3 and set(result.best_params) >= {"n_estimators"}
    assert result.best_value == min(t.user_attrs["metrics"]["mae"] for t in study.trials)
