"""Cross-validated training: out-of-fold predictions for every recording, baselines alike."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hawkeye.config import ModelConfig
from hawkeye.features.table import feature_columns
from hawkeye.metrics import to_label
from hawkeye.models.classical import ScoreModel


@dataclass
class TrainResult:
    model: ScoreModel  # refit on every recording: what gets registered
    predictions: pd.DataFrame  # out-of-fold: what gets evaluated
    fit_seconds: float


def build_model(cfg: ModelConfig, min_label: int, max_label: int) -> ScoreModel:
    return ScoreModel(cfg.name, cfg.mode, cfg.params, min_label, max_label, cfg.seed)


def cross_validate(
    table: pd.DataFrame,
    split: pd.DataFrame,
    cfg: ModelConfig,
    min_label: int = 0,
    max_label: int = 4,
) -> TrainResult:
    """Fit one model per fold and score its held-out subjects.

    The majority-class and mean-predictor baselines are fitted on the same
    training folds, so "beats the baseline" compares like with like.
    """
    data = table.merge(split[["sample_id", "fold"]], on="sample_id", how="inner", validate="1:1")
    if len(data) != len(table):
        raise ValueError(
            f"split covers {len(data)} of {len(table)} recordings; re-run the split step"
        )
    features = feature_columns(table)
    out = []
    start = time.perf_counter()
    for k in sorted(data["fold"].unique()):
        if k < 0:  # TRAIN_ONLY (an official split's training side): never a test fold
            continue
        train, test = data[data["fold"] != k], data[data["fold"] == k]
        model = build_model(cfg, min_label, max_label).fit(
            train[features], train["label"].to_numpy()
        )
        y_train = train["label"].to_numpy()
        values, counts = np.unique(y_train, return_counts=True)
        score = model.predict(test[features])
        out.append(
            pd.DataFrame(
                {
                    "sample_id": test["sample_id"].to_numpy(),
                    "subject_id": test["subject_id"].to_numpy(),
                    "fold": k,
                    "label": test["label"].to_numpy(),
                    "score": score,
                    "predicted": to_label(score, min_label, max_label),
                    "baseline_majority": float(values[np.argmax(counts)]),
                    "baseline_mean": float(y_train.mean()),
                }
            )
        )
    final = build_model(cfg, min_label, max_label).fit(data[features], data["label"].to_numpy())
    predictions = pd.concat(out, ignore_index=True)
    return TrainResult(final, predictions, time.perf_counter() - start)
