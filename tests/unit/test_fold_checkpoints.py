"""Finished folds survive a restart: a second training reads them back, trains the rest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import ModelConfig
from hawkeye.fold_checkpoints import FoldStore, training_key
from hawkeye.training import cross_validate


@pytest.fixture
def table() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    n = 24
    label = np.arange(n) % 3
    features = pd.DataFrame(
        {
            "sample_id": [f"r{i}" for i in range(n)],
            "subject_id": [f"s{i // 2}" for i in range(n)],
            "task": "finger_tapping",
            "side": "left",
            "label": label,
            "dataset": "d",
            "f1": label + rng.normal(0, 0.3, n),
            "f2": rng.normal(0, 1, n),
        }
    )
    folds = pd.DataFrame({"sample_id": features["sample_id"], "fold": np.arange(n) // 2 % 3})
    return features, folds


def test_a_second_run_reads_finished_folds_and_trains_the_rest(table, tmp_path: Path) -> None:
    features, folds = table
    cfg = ModelConfig(name="random_forest", params={"n_estimators": 10})
    first = cross_validate(features, folds, cfg, 0, 2, checkpoint=tmp_path)
    assert first.resumed_folds == []
    assert sorted(p.name for p in tmp_path.glob("fold*.parquet")) == [
        "fold0.parquet",
        "fold1.parquet",
        "fold2.parquet",
    ]
    # Mark fold 1's saved scores so that reading them back shows; drop fold 2 ("killed
    # before it finished").
    saved = pd.read_parquet(tmp_path / "fold1.parquet")
    saved.assign(score=99.0).to_parquet(tmp_path / "fold1.parquet", index=False)
    (tmp_path / "fold2.parquet").unlink()
    second = cross_validate(features, folds, cfg, 0, 2, checkpoint=tmp_path)
    assert second.resumed_folds == [0, 1]
    json.dumps(second.resumed_folds)  # step metadata: plain ints, not numpy's
    by_fold = second.predictions.set_index("sample_id")
    assert (by_fold[by_fold["fold"] == 1]["score"] == 99.0).all()  # read back, not retrained
    retrained = second.predictions[second.predictions["fold"] == 2].reset_index(drop=True)
    again = first.predictions[first.predictions["fold"] == 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(retrained, again)  # same seed, same fold: same scores


def test_another_configuration_starts_afresh(table, tmp_path: Path) -> None:
    features, folds = table
    cfg = ModelConfig(name="random_forest", params={"n_estimators": 10})
    cross_validate(features, folds, cfg, 0, 2, checkpoint=tmp_path)
    other = cfg.model_copy(update={"params": {"n_estimators": 11}})
    result = cross_validate(features, folds, other, 0, 2, checkpoint=tmp_path)
    assert result.resumed_folds == []  # the store was another training's: emptied
    moved = folds.assign(fold=(folds["fold"] + 1) % 3)
    assert training_key(cfg, features.merge(folds)) != training_key(cfg, features.merge(moved))


def test_store_writes_atomically_and_lists_what_finished(tmp_path: Path) -> None:
    store = FoldStore(tmp_path / "ck", "k1")
    store.save(3, pd.DataFrame({"a": [1]}))
    assert store.finished() == [3] and not list((tmp_path / "ck").glob("*.tmp"))
    assert store.load(4) is None
    assert FoldStore(tmp_path / "ck", "k1").load(3)["a"].tolist() == [1]
    assert FoldStore(tmp_path / "ck", "k2").finished() == []


def test_tasks_of_a_fan_out_fill_one_store_and_the_step_reads_it_back(
    table, tmp_path: Path
) -> None:
    """Two array tasks (folds 0-1, fold 2) train into one store; cross_validate then trains
    only the final model, with the same out-of-fold predictions as a run in one process."""
    from hawkeye.training import fit_folds_task

    features, folds = table
    cfg = ModelConfig(name="random_forest", params={"n_estimators": 10})
    inputs = tmp_path / "inputs.pkl"
    pd.to_pickle((features, folds), inputs)
    store = tmp_path / "store"
    args = (str(inputs), cfg.model_dump_json())
    first = fit_folds_task(*args, [0, 1], str(store), 0, 2, "finger_tapping")
    again = fit_folds_task(*args, [0, 1], str(store), 0, 2, "finger_tapping")  # a retry
    fit_folds_task(*args, [2], str(store), 0, 2, "finger_tapping")
    assert first["trained"] == [0, 1] and again["trained"] == []
    gathered = cross_validate(features, folds, cfg, 0, 2, checkpoint=store)
    assert gathered.resumed_folds == [0, 1, 2] and gathered.model is not None
    alone = cross_validate(features, folds, cfg, 0, 2)
    pd.testing.assert_frame_equal(gathered.predictions, alone.predictions)
    with pytest.raises(ValueError, match="checkpoint folder"):
        cross_validate(features, folds, cfg, 0, 2, only_folds=[0])
