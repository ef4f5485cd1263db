"""The predictions contract: what ``train`` hands ``evaluate``, as a pandera schema.

One row a held-out recording (``training.py::_fold_frame`` makes it):

============================  ==========================================================
``sample_id``                 the recording, unique, non-empty
``subject_id``                its subject, non-empty (every split groups by it)
``fold``                      the CV fold that held it out, a whole number
``label``                     the rating, a whole number
``score``                     the model's continuous score, float; NaN where a zero-shot
                              scorer gave no usable answer (counted against coverage)
``predicted``                 the score rounded to a valid label, nullable ``Int64``
                              (NA where the score is NaN); optional, evaluate rounds itself
``baseline_majority``         the majority label of the fold's training side, float
``baseline_mean``             the mean label of the fold's training side, float
``anomaly_score``             one-class models only: the score that ranks anomalies, float
``normal_label``              one-class models only: the label of a correct execution
``status``, ``answer``        zero-shot scorers only: how the answer was read, as text
``group``                     models with one model a group (``grouped``) only: the
                              row's group (its exercise), as text; evaluate adds
                              per-group figures
============================  ==========================================================

A segment task (``task: segments``, frame-wise models) hands ``evaluate`` one row a
*frame* instead (``training.py::_frame_wise`` makes it; :func:`validate_frame_predictions`):
``sample_id``, ``subject_id``, ``fold``, ``frame`` (index in the recording, from 0),
``label`` (the true class index, 0 the background), ``predicted`` (the model's class,
smoothed as ``predict_segments`` smooths) and ``baseline_majority`` (the most frequent class
of the fold's training frames), all whole numbers; ``(sample_id, frame)`` unique.

Other columns are allowed. Unlike the manifest and feature tables, a broken
predictions frame is a bug of the model or of a hand-made frame, not bad data:
:func:`validate_predictions` raises :class:`PredictionsError` naming every
column at fault, and quarantines nothing.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pandera.pandas as pa

from hawkeye.errors import HawkeyeError

SAMPLE_ID = "sample_id"
SUBJECT_ID = "subject_id"
FOLD = "fold"
LABEL = "label"
SCORE = "score"
PREDICTED = "predicted"
BASELINE_MAJORITY = "baseline_majority"
BASELINE_MEAN = "baseline_mean"
ANOMALY_SCORE = "anomaly_score"
NORMAL_LABEL = "normal_label"
STATUS = "status"
ANSWER = "answer"
FRAME = "frame"
GROUP = "group"

BASELINES = (BASELINE_MAJORITY, BASELINE_MEAN)
# The predictors evaluate scores, and the column holding each one's answers.
PREDICTORS = {"model": SCORE, BASELINE_MAJORITY: BASELINE_MAJORITY, BASELINE_MEAN: BASELINE_MEAN}


class PredictionsError(HawkeyeError, ValueError):
    """A predictions frame that breaks its contract; the message names each column at fault."""


def _is_numeric(series: pd.Series) -> bool:
    """A number dtype (an empty column, of no dtype yet, passes: there is nothing to score)."""
    if len(series) == 0:
        return True
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _whole(value: Any) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number) and number == int(number)


def _filled(value: Any) -> bool:
    return str(value).strip() != ""


def _numeric(*, whole: bool = False) -> list[pa.Check]:
    checks = [pa.Check(_is_numeric, name="numeric")]
    if whole:
        checks.append(pa.Check(_whole, element_wise=True, name="whole_number"))
    return checks


def predictions_schema() -> pa.DataFrameSchema:
    """The column rules; dtypes are checked as kinds (numeric, whole) so float32 scores pass."""
    filled = pa.Check(_filled, element_wise=True, name="filled")
    columns = {
        SAMPLE_ID: pa.Column(nullable=False, unique=True, checks=filled),
        SUBJECT_ID: pa.Column(nullable=False, checks=filled),
        FOLD: pa.Column(nullable=False, checks=_numeric(whole=True)),
        LABEL: pa.Column(nullable=False, checks=_numeric(whole=True)),
        SCORE: pa.Column(nullable=True, checks=_numeric()),
        PREDICTED: pa.Column(nullable=True, required=False, checks=_numeric(whole=True)),
        BASELINE_MAJORITY: pa.Column(nullable=False, checks=_numeric()),
        BASELINE_MEAN: pa.Column(nullable=False, checks=_numeric()),
        ANOMALY_SCORE: pa.Column(nullable=True, required=False, checks=_numeric()),
        NORMAL_LABEL: pa.Column(nullable=False, required=False, checks=_numeric(whole=True)),
        STATUS: pa.Column(nullable=True, required=False),
        ANSWER: pa.Column(nullable=True, required=False),
    }
    return pa.DataFrameSchema(columns, strict=False, name="predictions")


PREDICTIONS = predictions_schema()


def frame_predictions_schema() -> pa.DataFrameSchema:
    """One row a frame of a held-out recording (segment tasks)."""
    filled = pa.Check(_filled, element_wise=True, name="filled")
    whole = {
        name: pa.Column(nullable=False, checks=_numeric(whole=True))
        for name in (FOLD, FRAME, LABEL, PREDICTED, BASELINE_MAJORITY)
    }
    columns = {
        SAMPLE_ID: pa.Column(nullable=False, checks=filled),
        SUBJECT_ID: pa.Column(nullable=False, checks=filled),
        **whole,
    }
    return pa.DataFrameSchema(
        columns, strict=False, unique=[SAMPLE_ID, FRAME], name="frame predictions"
    )


FRAME_PREDICTIONS = frame_predictions_schema()

_WORDS = {
    "column_in_dataframe": "missing",
    "not_nullable": "has missing values",
    "field_uniqueness": "has duplicates",
    "multiple_fields_uniqueness": "repeats in rows that should be unique (one row a frame)",
    "numeric": "is not numeric",
    "whole_number": "has values that are not whole numbers",
    "filled": "has empty values",
}


def validate_predictions(frame: pd.DataFrame) -> None:
    """Raise :class:`PredictionsError` naming every column that breaks ``PREDICTIONS``."""
    _validate(PREDICTIONS, frame)


def validate_frame_predictions(frame: pd.DataFrame) -> None:
    """Raise :class:`PredictionsError` naming every column that breaks ``FRAME_PREDICTIONS``."""
    _validate(FRAME_PREDICTIONS, frame)


def _validate(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> None:
    try:
        # A fresh index: pandera's failure report cannot stack a repeated one (concatenated
        # folds), and the rows' positions are what a message can point at anyway.
        schema.validate(frame.reset_index(drop=True), lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return
    problems: dict[str, list[str]] = {}
    for column, check, case in cases[["column", "check", "failure_case"]].itertuples(
        index=False, name=None
    ):
        name = str(case) if check == "column_in_dataframe" else str(column)
        word = _WORDS.get(str(check), str(check))
        if check == "numeric":
            word = f"{word} (dtype {frame[name].dtype})"
        if word not in problems.setdefault(name, []):
            problems[name].append(word)
    found = "; ".join(f"{name!r} {', '.join(words)}" for name, words in problems.items())
    raise PredictionsError(f"the {schema.name} frame breaks its schema: {found}")
