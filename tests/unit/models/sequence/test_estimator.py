"""SequenceModel behind the estimator contract: cross-validation, pickling, input errors."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from hawkeye import training
from hawkeye.config import ModelConfig, SplitConfig
from hawkeye.landmarks.sequence import LandmarkError
from hawkeye.models.sequence import SEQUENCE_MODELS, SequenceModel, build_sequence_model
from hawkeye.splits import make_folds
from tests.sequence_synthetic import one_torch_thread, write_recordings  # noqa: F401

PARAMS = {
    "hidden": 16,
    "levels": 3,
    "kernel_size": 3,
    "dropout": 0.0,
    "batch_size": 8,
    "lr": 5e-3,
    "max_epochs": 15,
    "val_fraction": 0.2,
    "patience": 5,
}


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return write_recordings(tmp_path_factory.mktemp("seq") / "d", n_subjects=12, per_subject=4)


def test_cross_validate_trains_a_sequence_model_per_fold(table: pd.DataFrame) -> None:
    folds = make_folds(table, SplitConfig(n_splits=3, near_duplicate_rms=0))
    result = training.cross_validate(table, folds, ModelConfig(name="tcn", params=PARAMS))
    pred = result.predictions
    assert sorted(pred["sample_id"]) == sorted(table["sample_id"])
    assert pred["score"].between(0, 4).all()
    model_mae = np.abs(pred["score"] - pred["label"]).mean()
    assert model_mae < np.abs(pred["baseline_mean"] - pred["label"]).mean()
    assert np.corrcoef(pred["score"], pred["label"])[0, 1] > 0.6  # held-out subjects
    final = result.model
    assert isinstance(final, SequenceModel) and final.fit_info_["n_val"] > 0
    assert set(final.fit_info_) >= {"device", "wall_s", "samples_per_s", "precision"}


def test_validation_subjects_never_train(table: pd.DataFrame) -> None:
    model = SequenceModel("tcn", params={**PARAMS, "max_epochs": 1}).fit(table, table["label"])
    info = model.fit_info_
    assert info["val_subjects"] == 2  # 20 % of 12 subjects
    assert info["n_val"] == 8 and info["n_train"] == len(table) - 8  # all their recordings


def test_fitted_model_pickles_and_predicts_the_same(table: pd.DataFrame) -> None:
    model = SequenceModel("tcn", params={**PARAMS, "max_epochs": 2}).fit(table, table["label"])
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict(table), model.predict(table))
    assert all(isinstance(v, np.ndarray) for v in model.state_.values())  # no torch objects
    assert clone(model).get_params()["params"] == model.params
    assert list(model.feature_names_in_) == ["source", "layout", "fps"]


def test_defaults_when_the_table_has_no_layout_or_fps(table: pd.DataFrame) -> None:
    bare = table.drop(columns=["layout", "fps"])
    model = SequenceModel("tcn", params={**PARAMS, "max_epochs": 1}).fit(bare, bare["label"])
    assert len(model.predict(bare)) == len(bare)  # layout inferred from the joint count


def test_bad_inputs_fail_with_the_reason(table: pd.DataFrame, tmp_path: Path) -> None:
    model = SequenceModel("tcn", params=PARAMS)
    with pytest.raises(ValueError, match="source"):
        model.fit(table.drop(columns=["source"]), table["label"])
    missing = table.assign(source=str(tmp_path / "nope.npy"))
    with pytest.raises(LandmarkError, match="not found"):
        model.fit(missing, table["label"])
    with pytest.raises(ValueError, match="unknown architecture"):
        SequenceModel("gru").fit(table, table["label"])
    with pytest.raises(ValueError, match="unknown sequence model parameter"):
        SequenceModel("tcn", params={"epochs": 3}).fit(table, table["label"])


def test_every_config_name_builds_an_estimator() -> None:
    for name in SEQUENCE_MODELS:
        est = build_sequence_model(
            name, params={"normal_label": 1} if name == "autoencoder" else None
        )
        assert hasattr(est, "fit") and hasattr(est, "predict")
