import time

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import ModelConfig, SplitConfig
from hawkeye.data.errors import DatasetError
from hawkeye.splits import (
    TRAIN_ONLY,
    LeakageError,
    check_no_leakage,
    make_folds,
    near_duplicate_pairs,
    split_hash,
)
from hawkeye.training import cross_validate


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


def _features(n_subjects: int = 10, per_subject: int = 4, seed: int = 0) -> pd.DataFrame:
    """A feature table: identity columns plus 30 noisy features that follow the label."""
    table = _table(n_subjects, per_subject, seed)
    rng = np.random.default_rng(seed + 100)
    feats = rng.normal(size=(len(table), 30)) + table["label"].to_numpy()[:, None]
    return pd.concat(
        [table.assign(task="t", side="left", dataset="d"),
         pd.DataFrame(feats, columns=[f"f{i}" for i in range(30)])],
        axis=1,
    )  # fmt: skip


def test_leave_one_subject_out_gives_each_subject_its_own_fold() -> None:
    table = _features(n_subjects=7)
    folds = make_folds(table, SplitConfig(strategy="leave_one_subject_out"))
    assert folds["fold"].nunique() == 7
    assert (folds.groupby("fold")["subject_id"].nunique() == 1).all()
    assert (folds.groupby("subject_id")["fold"].nunique() == 1).all()


def test_official_split_is_honoured_and_its_training_side_never_tested() -> None:
    table = _features(n_subjects=10)
    subject = table["subject_id"].str[1:].astype(int)
    table["split"] = np.where(subject % 2 == 0, "train", "test")
    folds = make_folds(table, SplitConfig(strategy="official"))
    merged = table.merge(folds, on=["sample_id", "subject_id"])
    assert (merged.loc[merged.split == "test", "fold"] == 0).all()
    assert (merged.loc[merged.split == "train", "fold"] == TRAIN_ONLY).all()
    result = cross_validate(table, folds, ModelConfig(params={"n_estimators": 20}))
    assert set(result.predictions["sample_id"]) == set(
        table.loc[table.split == "test", "sample_id"]
    )
    assert set(result.predictions["fold"]) == {0}
    train_mean = table.loc[table.split == "train", "label"].mean()
    assert result.predictions["baseline_mean"].iloc[0] == pytest.approx(train_mean)


def test_official_split_refuses_a_subject_on_both_sides_and_bad_values() -> None:
    table = _features(n_subjects=4)
    table["split"] = ["train", "test"] * (len(table) // 2)  # every subject on both sides
    with pytest.raises(LeakageError, match="appear in several folds"):
        make_folds(table, SplitConfig(strategy="official"))
    table["split"] = "validation"
    with pytest.raises(DatasetError, match="other than train/test"):
        make_folds(table, SplitConfig(strategy="official"))
    with pytest.raises(DatasetError, match="needs a 'split' column"):
        make_folds(table.drop(columns="split"), SplitConfig(strategy="official"))


@pytest.mark.parametrize(
    "strategy", ["stratified_group_kfold", "group_kfold", "leave_one_subject_out"]
)
def test_a_copied_recording_under_another_subject_is_caught(strategy: str) -> None:
    """The planted leak: subject S0's first recording copied in as a new subject's."""
    table = _features()
    copy = table.iloc[[0]].assign(sample_id="copy_of_s0_0", subject_id="S_new")
    copy[[f"f{i}" for i in range(30)]] += 1e-4  # re-exported: not bit-identical
    leaky = pd.concat([table, copy], ignore_index=True)
    # A seed whose folds put the copy and its original apart (scikit-learn releases assign
    # subjects to stratified folds differently for one seed); there the guard must raise.
    seed = next(
        s
        for s in range(20)
        if len(
            set(
                make_folds(
                    leaky, SplitConfig(strategy=strategy, n_splits=4, seed=s, near_duplicate_rms=0)
                )
                .set_index("sample_id")
                .loc[["s0_0", "copy_of_s0_0"], "fold"]
            )
        )
        == 2
    )
    with pytest.raises(LeakageError, match=r"s0_0 \(S0, fold \d+\) ~ copy_of_s0_0 \(S_new"):
        make_folds(leaky, SplitConfig(strategy=strategy, n_splits=4, seed=seed))
    # The same table without the copy, and the copy check turned off, pass.
    make_folds(table, SplitConfig(strategy=strategy, n_splits=4))
    make_folds(leaky, SplitConfig(strategy=strategy, n_splits=4, near_duplicate_rms=0))


def test_near_duplicates_on_one_side_or_within_a_subject_are_fine() -> None:
    table = _features()
    twin = table.iloc[[0]].assign(sample_id="s0_again")  # same subject: same fold
    folds = make_folds(pd.concat([table, twin], ignore_index=True), SplitConfig(n_splits=4))
    assert folds.loc[folds.sample_id == "s0_again", "fold"].item() == folds.fold.iloc[0]
    # Both copies on the official training side: trained on twice, never tested.
    table["split"] = np.where(table["subject_id"].isin(["S0", "S1", "S2"]), "test", "train")
    copy = table[table.subject_id == "S5"].iloc[[0]].assign(sample_id="c", subject_id="S_new")
    make_folds(pd.concat([table, copy], ignore_index=True), SplitConfig(strategy="official"))
    pairs = near_duplicate_pairs(
        pd.concat([table, copy], ignore_index=True),
        pd.DataFrame({"sample_id": [*table.sample_id, "c"], "fold": [0] * (len(table) + 1)}),
        0.01,
    )
    assert pairs == []


def test_the_guard_is_cheap_on_a_realistic_table() -> None:
    rng = np.random.default_rng(0)
    n, d = 2000, 1200
    table = pd.DataFrame(rng.normal(size=(n, d)), columns=[f"f{i}" for i in range(d)])
    table.insert(0, "sample_id", [f"r{i}" for i in range(n)])
    table.insert(1, "subject_id", [f"S{i // 200}" for i in range(n)])
    table.insert(2, "label", rng.integers(0, 2, n))
    start = time.perf_counter()
    make_folds(table, SplitConfig(strategy="leave_one_subject_out"))
    assert time.perf_counter() - start < 20
