"""Subject-grouped splits and the leakage guard.

A recording of a subject in training and another of the same subject in
testing inflates every figure (the model learns the person, not the
severity), so every split is grouped by ``subject_id`` and checked.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

from hawkeye.config import SplitConfig

SPLIT_COLUMNS = ["sample_id", "subject_id", "fold"]


class LeakageError(RuntimeError):
    """A subject sits on both sides of a split."""


def make_folds(table: pd.DataFrame, cfg: SplitConfig) -> pd.DataFrame:
    """Assign each recording to the test fold it belongs to (one row a recording)."""
    groups = table["subject_id"].astype(str).to_numpy()
    n_subjects = len(np.unique(groups))
    if n_subjects < 2:
        raise ValueError(f"a grouped split needs at least 2 subjects, the data has {n_subjects}")
    n_splits = min(cfg.n_splits, n_subjects)
    if cfg.strategy == "stratified_group_kfold":
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=cfg.seed)
    else:
        splitter = GroupKFold(n_splits=n_splits, shuffle=True, random_state=cfg.seed)
    fold = np.full(len(table), -1, dtype=int)
    y = table["label"].to_numpy()
    for k, (_, test_idx) in enumerate(splitter.split(np.zeros(len(table)), y, groups)):
        fold[test_idx] = k
    split = pd.DataFrame(
        {"sample_id": table["sample_id"].astype(str), "subject_id": groups, "fold": fold}
    )
    check_no_leakage(split)
    return split


def check_no_leakage(split: pd.DataFrame) -> None:
    """Raise when a subject has recordings in more than one test fold (so in train and test)."""
    folds_per_subject = split.groupby("subject_id")["fold"].nunique()
    leaked = folds_per_subject[folds_per_subject > 1]
    if len(leaked):
        raise LeakageError(
            f"{len(leaked)} subject(s) appear in several folds, e.g. {list(leaked.index[:5])}: "
            "their recordings would be both trained and tested on"
        )
    if (split["fold"] < 0).any():
        raise LeakageError("some recordings were assigned to no fold")


def split_hash(split: pd.DataFrame) -> str:
    """Identity of a split: two evaluations are comparable only when this matches."""
    canon = split.sort_values("sample_id")[["sample_id", "fold"]].to_csv(index=False)
    return hashlib.sha1(canon.encode()).hexdigest()[:16]
