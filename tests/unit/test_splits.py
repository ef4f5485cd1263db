import numpy as np
import pandas as pd
import pytest

from hawkeye.config import SplitConfig
from hawkeye.splits import LeakageError, check_no_leakage, make_folds, split_hash


def _table(n_subjects: int = 12, per_subject: int = 3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [
        {"sample_id": f"s{s}_{r}", "subject_id": f"S{s}", "label": int(rng.integers(0, 5))}
        for s in range(n_subjects)
        for r in range(per_subject)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("strategy", ["stratified_group_kfold", "group_kfold"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_subject_on_both_sides(strategy: str, seed: int) -> None:
    table = _table(seed=seed)
    folds = make_folds(table, SplitConfig(strategy=strategy, n_splits=4, seed=seed))
    assert len(folds) == len(table) and folds["fold"].nunique() == 4
    for k in range(4):
        test = set(folds.loc[folds.fold == k, "subject_id"])
        train = set(folds.loc[folds.fold != k, "subject_id"])
        assert not test & train


def test_leakage_guard_fires() -> None:
    folds = pd.DataFrame({"sample_id": ["a", "b"], "subject_id": ["S1", "S1"], "fold": [0, 1]})
    with pytest.raises(LeakageError, match="S1"):
        check_no_leakage(folds)


def test_folds_capped_by_subjects_and_hash_is_stable() -> None:
    table = _table(n_subjects=3)
    folds = make_folds(table, SplitConfig(n_splits=10))
    assert folds["fold"].nunique() == 3
    assert split_hash(folds) == split_hash(folds.sample(frac=1, random_state=1))
    other = make_folds(table, SplitConfig(n_splits=2))
    assert split_hash(other) != split_hash(folds)
