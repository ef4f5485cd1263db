"""The one-class autoencoder: trained on correct repetitions, it flags a planted wrong movement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import ModelConfig, SplitConfig
from hawkeye.evaluation.metrics import evaluate_predictions, summary_table
from hawkeye.models.sequence import SequenceAutoencoder
from hawkeye.splits import make_folds
from hawkeye.training import cross_validate
from tests.sequence_synthetic import one_torch_thread, write_recordings  # noqa: F401

PARAMS = {
    "hidden": 16,
    "latent": 4,
    "layers": 1,
    "dropout": 0.0,
    "batch_size": 8,
    "lr": 1e-2,
    "max_epochs": 12,
    "val_fraction": 0.0,
}


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """40 recordings, label 0 = correct; a quarter carry an extra swinging joint (label 1)."""
    anomalous = np.arange(40) % 4 == 3
    labels = np.where(anomalous, 1, 0)
    folder = tmp_path_factory.mktemp("oneclass") / "d"
    return write_recordings(
        folder, n_subjects=10, per_subject=4, labels=labels, anomalous=anomalous
    )


def test_reconstruction_error_separates_incorrect_executions(table: pd.DataFrame) -> None:
    y = table["label"].to_numpy()
    model = SequenceAutoencoder(PARAMS, normal_label=0).fit(table, y)
    assert model.fit_info_["n_train"] == int((y == 0).sum())  # only the correct ones
    score = model.reconstruction_error(table)
    assert score.shape == (len(table),) and (score >= 0).all()
    assert model.auroc(table, y != 0) > 0.8
    flagged = model.is_anomaly(table)
    assert flagged[y != 0].mean() > flagged[y == 0].mean()
    np.testing.assert_array_equal(model.score_samples(table), -score)
    # predict is the decision, in label space: the flagged ones get the other label
    np.testing.assert_array_equal(model.predict(table), np.where(flagged, model.abnormal_, 0))
    np.testing.assert_array_equal(model.decision_function(table) < 0, flagged)


def test_autoencoder_fine_tunes_from_its_weights(table: pd.DataFrame, tmp_path: Path) -> None:
    y = table["label"].to_numpy()
    base = SequenceAutoencoder({**PARAMS, "max_epochs": 3}, normal_label=0).fit(table, y)
    path = base.save_weights(tmp_path / "ae.pt")
    tuned = SequenceAutoencoder(
        {**PARAMS, "preset": "finetune", "init_checkpoint": str(path), "max_epochs": 1, "lr": 1e-9},
        normal_label=0,
    ).fit(table, y)
    np.testing.assert_allclose(tuned.score_samples(table), base.score_samples(table), rtol=1e-3)


def test_without_labels_every_row_is_taken_as_correct(table: pd.DataFrame) -> None:
    normal = table[table["label"] == 0]
    model = SequenceAutoencoder({**PARAMS, "max_epochs": 1}).fit(normal)
    assert model.fit_info_["n_train"] == len(normal) and model.normal_ == 0
    with pytest.raises(ValueError, match="normal label 3"):
        SequenceAutoencoder(PARAMS, normal_label=3).fit(table, table["label"].to_numpy())


def test_cross_validation_reports_auroc_beside_baselines_that_rank_nothing(
    table: pd.DataFrame,
) -> None:
    folds = make_folds(table, SplitConfig(n_splits=2))
    cfg = ModelConfig(name="autoencoder", params={**PARAMS, "normal_label": 0})
    pred = cross_validate(table, folds, cfg, 0, 1, task="motion").predictions
    assert (pred["normal_label"] == 0).all()
    assert set(pred["score"].unique()) <= {0.0, 1.0}  # the thresholded decision
    report = evaluate_predictions(pred, 0, 1)
    assert report["pooled"]["model"]["auroc"] > 0.8
    assert report["pooled"]["baseline_majority"]["auroc"] == 0.5
    assert "auroc" in report["fold_summary"]["model"]
    assert "auroc" in summary_table(report).splitlines()[0]
