from pathlib import Path

import numpy as np
import pandas as pd

from hawkeye.config import GateConfig, ModelConfig, SplitConfig
from hawkeye.splits import make_folds
from hawkeye.tuning import tune


def _table(n: int = 48) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    label = rng.integers(0, 5, n)
    return pd.DataFrame(
        {
            "sample_id": [f"s{i}" for i in range(n)],
            "subject_id": [f"S{i // 2}" for i in range(n)],
            "task": "t",
            "side": "left",
            "label": label,
            "dataset": "d",
            "signal": label + rng.normal(0, 0.5, n),
            "noise": rng.normal(size=n),
        }
    )


def test_study_logs_every_trial_and_resumes(tmp_path: Path) -> None:
    table = _table()
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
