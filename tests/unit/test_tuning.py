from pathlib import Path

import numpy as np

from hawkeye.config import GateConfig, ModelConfig, SplitConfig
from hawkeye.splits import make_folds
from hawkeye.tuning import tune
from tests.conftest import labelled_table


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
