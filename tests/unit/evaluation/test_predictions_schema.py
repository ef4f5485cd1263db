"""The predictions frame that train hands evaluate, as a pandera schema."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hawkeye.evaluation.metrics import evaluate_predictions
from hawkeye.evaluation.predictions import (
    PREDICTIONS,
    PredictionsError,
    validate_predictions,
)


def _frame() -> pd.DataFrame:
    """Four recordings of two subjects in two folds, one a zero-shot scorer left unanswered."""
    return pd.DataFrame(
        {
            "sample_id": ["r1", "r2", "r3", "r4"],
            "subject_id": ["S1", "S1", "S2", "S2"],
            "fold": [0, 0, 1, 1],
            "label": [0, 2, 3, 1],
            "score": [0.25, 2.5, np.nan, 1.0],
            "predicted": pd.array([0, 2, pd.NA, 1], dtype="Int64"),
            "baseline_majority": [2.0, 2.0, 0.0, 0.0],
            "baseline_mean": [2.0, 2.0, 1.0, 1.0],
        }
    )


def test_a_valid_frame_passes() -> None:
    validate_predictions(_frame())
    PREDICTIONS.validate(_frame())


def test_the_optional_columns_of_zero_shot_and_one_class_runs_pass() -> None:
    zero_shot = _frame().assign(status=["ok", "ok", "no answer", "ok"], answer=["0", "2", "", "1"])
    validate_predictions(zero_shot)
    one_class = _frame().assign(anomaly_score=[0.1, 0.7, 0.9, 0.4], normal_label=0)
    validate_predictions(one_class)
    validate_predictions(_frame().drop(columns="predicted"))  # evaluate rounds the score itself
    validate_predictions(_frame().assign(score=_frame()["score"].astype("float32")))


def test_a_frame_without_fold_fails_naming_it() -> None:
    with pytest.raises(PredictionsError, match="'fold' missing"):
        validate_predictions(_frame().drop(columns="fold"))


def test_a_non_numeric_score_fails_naming_it() -> None:
    frame = _frame().assign(score=["0.25", "2.5", "none", "1.0"])
    with pytest.raises(PredictionsError, match="'score' is not numeric") as caught:
        validate_predictions(frame)
    assert "'fold'" not in str(caught.value)  # only the column at fault is named


def test_every_broken_column_is_named_at_once() -> None:
    frame = _frame().drop(columns=["fold", "baseline_mean"]).assign(label=[0, 2.5, 3, 1])
    with pytest.raises(PredictionsError) as caught:
        validate_predictions(frame)
    message = str(caught.value)
    assert "'fold' missing" in message and "'baseline_mean' missing" in message
    assert "'label' has values that are not whole numbers" in message


def test_a_recording_twice_fails() -> None:
    frame = _frame().assign(sample_id=["r1", "r2", "r2", "r4"])
    with pytest.raises(PredictionsError, match="'sample_id' has duplicates"):
        validate_predictions(frame)


def test_evaluate_validates_what_it_receives() -> None:
    with pytest.raises(PredictionsError, match="'fold' missing"):
        evaluate_predictions(_frame().drop(columns="fold"))
    # The valid frame: 3 of 4 answered; model errors 0.25, 0.5, 0 on them: mae 0.75 / 3 = 0.25.
    report = evaluate_predictions(_frame())
    assert report["coverage"] == 0.75 and report["n_unscored"] == 1
    assert report["pooled"]["model"]["mae"] == pytest.approx(0.25)


def test_training_makes_frames_that_pass() -> None:
    from hawkeye.training import _fold_frame

    test = pd.DataFrame({"sample_id": ["a", "b"], "subject_id": ["S", "T"], "label": [1, 3]})
    frame = _fold_frame(test, 2, np.array([0, 1, 1, 4]), np.array([1.2, np.nan]), 0, 4)
    validate_predictions(frame)
    # Fitted by hand on the training labels 0, 1, 1, 4: majority 1, mean 6 / 4 = 1.5.
    assert frame["baseline_majority"].tolist() == [1.0, 1.0]
    assert frame["baseline_mean"].tolist() == [1.5, 1.5]
