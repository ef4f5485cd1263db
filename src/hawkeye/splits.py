"""Subject-grouped splits and the leakage guard.

A recording of a subject in training and another of the same subject in
testing inflates every figure (the model learns the person, not the
severity), so every split is grouped by ``subject_id`` and checked.

The split is a table, one row a recording: ``fold`` is the test fold the
recording belongs to; ``TRAIN_ONLY`` (-1) marks recordings that are only ever
trained on (the training side of an ``official`` train/test split).
Strategies (``split.strategy``):

- ``stratified_group_kfold``: k subject-grouped folds with similar label
  shares (ordinal scores); ``group_kfold``: the same without stratification.
- ``leave_one_subject_out``: one fold a subject (scikit-learn's
  ``LeaveOneGroupOut``).
- ``official``: the dataset's own assignment in the feature table's ``split``
  column (``train`` / ``test``), e.g. NATOPS's two files or MSR Action3D's
  cross-subject protocol; the test side is fold 0.

The guard (:func:`check_no_leakage`, :func:`check_near_duplicates`) fails the
run with :class:`LeakageError` when a subject, or a near-identical copy of a
recording under another subject id, sits on both sides.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedGroupKFold

from hawkeye.config import SplitConfig
from hawkeye.data.errors import DatasetError
from hawkeye.errors import HawkeyeError
from hawkeye.features.table import feature_columns

SPLIT_COLUMNS = ["sample_id", "subject_id", "fold"]
OFFICIAL_COLUMN = "split"
TRAIN_ONLY = -1
_BLOCK = 512  # rows a block in the pairwise distance computation


class LeakageError(HawkeyeError, RuntimeError):
    """A subject, or a copy of a recording, sits on both sides of a split."""


def make_folds(table: pd.DataFrame, cfg: SplitConfig) -> pd.DataFrame:
    """Assign each recording to its test fold (one row a recording), then check for leaks.

    ``table`` is the feature table (the manifest works too; without feature
    columns the near-duplicate check has nothing to compare and is skipped).
    """
    groups = table["subject_id"].astype(str).to_numpy()
    if cfg.strategy == "official":
        fold = _official_folds(table)
    else:
        fold = _grouped_folds(table, groups, cfg)
    split = pd.DataFrame(
        {"sample_id": table["sample_id"].astype(str).to_numpy(), "subject_id": groups, "fold": fold}
    )
    check_no_leakage(split)
    check_near_duplicates(table, split, cfg.near_duplicate_rms)
    return split


def _grouped_folds(table: pd.DataFrame, groups: np.ndarray, cfg: SplitConfig) -> np.ndarray:
    n_subjects = len(np.unique(groups))
    if n_subjects < 2:
        raise ValueError(f"a grouped split needs at least 2 subjects, the data has {n_subjects}")
    n_splits = min(cfg.n_splits, n_subjects)
    if cfg.strategy == "stratified_group_kfold":
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=cfg.seed)
    elif cfg.strategy == "group_kfold":
        splitter = GroupKFold(n_splits=n_splits, shuffle=True, random_state=cfg.seed)
    elif cfg.strategy == "leave_one_subject_out":
        splitter = LeaveOneGroupOut()
    else:
        raise ValueError(f"unknown split strategy {cfg.strategy!r}")
    fold = np.full(len(table), TRAIN_ONLY, dtype=int)
    y = table["label"].to_numpy()
    for k, (_, test_idx) in enumerate(splitter.split(np.zeros(len(table)), y, groups)):
        fold[test_idx] = k
    return fold


def _official_folds(table: pd.DataFrame) -> np.ndarray:
    """Fold 0 for the dataset's test recordings, TRAIN_ONLY for its training ones."""
    if OFFICIAL_COLUMN not in table.columns:
        raise DatasetError(
            f"split strategy 'official' needs a {OFFICIAL_COLUMN!r} column (train / test) in "
            f"the manifest; this dataset has none (columns: {list(table.columns)[:12]}...). "
            "Use leave_one_subject_out or a group k-fold instead."
        )
    side = table[OFFICIAL_COLUMN].astype(str).str.strip().str.lower()
    bad = table.loc[~side.isin(["train", "test"]), "sample_id"]
    if len(bad):
        raise DatasetError(
            f"{len(bad)} recording(s) have a {OFFICIAL_COLUMN!r} value other than train/test, "
            f"e.g. {list(bad.astype(str)[:5])}"
        )
    if not (side == "test").any() or not (side == "train").any():
        raise DatasetError(
            f"the official split needs both train and test recordings: {dict(side.value_counts())}"
        )
    return np.where(side == "test", 0, TRAIN_ONLY)


def check_no_leakage(split: pd.DataFrame) -> None:
    """Raise when a subject has recordings on more than one side (in train and test)."""
    folds_per_subject = split.groupby("subject_id")["fold"].nunique()
    leaked = folds_per_subject[folds_per_subject > 1]
    if len(leaked):
        raise LeakageError(
            f"{len(leaked)} subject(s) appear in several folds, e.g. {list(leaked.index[:5])}: "
            "their recordings would be both trained and tested on"
        )
    if (split["fold"] < TRAIN_ONLY).any():
        raise LeakageError("some recordings were assigned to no fold")
    if not (split["fold"] >= 0).any():
        raise LeakageError("no recording is in a test fold")


def near_duplicate_pairs(
    table: pd.DataFrame, split: pd.DataFrame, max_rms: float
) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, rms)`` of ``table`` rows on different sides whose features (nearly) coincide.

    Each numeric feature column is standardized over the whole table (mean 0,
    standard deviation 1; constant columns are dropped, missing values become
    the mean), and two rows are near-duplicates when the root mean square of
    their difference is below ``max_rms``, i.e. they differ on average by less
    than ``max_rms`` standard deviations. A copied file, a re-export with
    rounded coordinates or a resampled copy lands near 0; two genuine
    recordings, even of the same movement, differ by a sizeable fraction of a
    standard deviation. "Different sides" means different folds: whichever of
    the two is tested, the other was trained on.

    Cost: one pass of blocked matrix products, O(n² · features) (about a
    second for 2,000 recordings x 1,200 features), no extra dependency.
    """
    features = [c for c in feature_columns(table) if pd.api.types.is_numeric_dtype(table[c])]
    if not features or max_rms <= 0 or len(table) < 2:
        return []
    fold = (
        split.set_index(split["sample_id"].astype(str))["fold"]
        .reindex(table["sample_id"].astype(str))
        .to_numpy()
    )
    x = np.array(table[features].to_numpy(dtype=float), copy=True)  # pandas 3: read-only view
    x[~np.isfinite(x)] = np.nan
    with np.errstate(all="ignore"):
        mean, std = np.nanmean(x, axis=0), np.nanstd(x, axis=0)
    keep = np.isfinite(std) & (std > 0)
    if not keep.any():
        return []
    z = (x[:, keep] - mean[keep]) / std[keep]
    z[np.isnan(z)] = 0.0
    d = z.shape[1]
    norms = (z**2).sum(axis=1)
    pairs = []
    for start in range(0, len(z), _BLOCK):
        block = slice(start, start + _BLOCK)
        sq = norms[block, None] + norms[None, :] - 2.0 * z[block] @ z.T
        rms = np.sqrt(np.clip(sq, 0.0, None) / d)
        rows = np.arange(start, start + rms.shape[0])
        close = (rms < max_rms) & (fold[block, None] != fold[None, :])
        close &= rows[:, None] < np.arange(len(z))[None, :]  # each pair once
        for i, j in zip(*np.nonzero(close), strict=True):
            pairs.append((int(rows[i]), int(j), float(rms[i, j])))
    return pairs


def check_near_duplicates(table: pd.DataFrame, split: pd.DataFrame, max_rms: float) -> None:
    """Raise :class:`LeakageError` naming the recordings that are copies across the split."""
    pairs = near_duplicate_pairs(table, split, max_rms)
    if not pairs:
        return
    aligned = split.set_index(split["sample_id"].astype(str)).loc[table["sample_id"].astype(str)]
    ids = aligned.index.to_numpy()
    subjects, fold = aligned["subject_id"].to_numpy(), aligned["fold"].to_numpy()

    def side(i: int) -> str:
        return "train only" if fold[i] == TRAIN_ONLY else f"fold {fold[i]}"

    shown = "; ".join(
        f"{ids[i]} ({subjects[i]}, {side(i)}) ~ {ids[j]} ({subjects[j]}, {side(j)}), rms {r:.4f}"
        for i, j, r in pairs[:10]
    )
    more = f" and {len(pairs) - 10} more" if len(pairs) > 10 else ""
    raise LeakageError(
        f"{len(pairs)} pair(s) of near-identical recordings sit on both sides of the split "
        f"(standardized feature RMS difference < {max_rms}): {shown}{more}. A copied file "
        "under another subject id leaks the test set into training: remove the copy, or give "
        "it its true subject id (split.near_duplicate_rms: 0 turns this check off)."
    )


def split_hash(split: pd.DataFrame) -> str:
    """Identity of a split: two evaluations are comparable only when this matches."""
    canon = split.sort_values("sample_id")[["sample_id", "fold"]].to_csv(index=False)
    return hashlib.sha1(canon.encode()).hexdigest()[:16]
