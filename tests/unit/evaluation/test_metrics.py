import math

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import GateConfig
from hawkeye.evaluation.gate import Champion, decide
from hawkeye.evaluation.metrics import evaluate_predictions, flat_metrics, score_metrics


def test_perfect_and_off_by_one() -> None:
    y = np.array([0, 1, 2, 3, 4, 2])
    perfect = score_metrics(y, y.astype(float))
    assert (
        perfect["mae"] == 0 and perfect["exact_acc"] == 1 and perfect["pearson"] == pytest.approx(1)
    )
    assert perfect["macro_f1"] == pytest.approx(1) and perfect["qwk"] == pytest.approx(1)
    shifted = score_metrics(y, np.clip(y + 1.0, 0, 4))
    assert shifted["exact_acc"] == pytest.approx(1 / 6)  # only the 4 stays a 4
    assert shifted["within1_acc"] == 1
    assert shifted["mae"] == pytest.approx(5 / 6)


def test_rounding_for_accuracy_but_not_for_mae() -> None:
    m = score_metrics(np.array([1, 2, 3]), np.array([1.4, 2.4, 3.4]))
    assert m["exact_acc"] == 1 and m["mae"] == pytest.approx(0.4)


def test_constant_predictor_has_no_correlation() -> None:
    m = score_metrics(np.array([0, 1, 2, 3]), np.full(4, 1.5))
    assert math.isnan(m["pearson"]) and math.isnan(m["spearman"])


def _predictions() -> pd.DataFrame:
    y = np.array([0, 1, 2, 3, 4, 1, 2, 3])
    return pd.DataFrame(
        {
            "sample_id": [f"s{i}" for i in range(8)],
            "subject_id": [f"S{i // 2}" for i in range(8)],
            "fold": [0, 0, 0, 0, 1, 1, 1, 1],
            "label": y,
            "score": y + 0.2,
            "baseline_majority": 2.0,
            "baseline_mean": 2.1,
        }
    )


def test_report_has_model_and_baselines_per_fold() -> None:
    report = evaluate_predictions(_predictions())
    assert set(report["pooled"]) == {"model", "baseline_majority", "baseline_mean"}
    assert report["pooled"]["model"]["mae"] == pytest.approx(0.2)
    assert set(report["folds"]["model"]) == {0, 1}
    flat = flat_metrics(report)
    assert flat["model_mae"] == pytest.approx(0.2)
    assert "baseline_mean_mae_fold_std" in flat and "fold1_model_exact_acc" in flat
    assert all(math.isfinite(v) for v in flat.values())


def _report(model: float, baseline: float = 1.0) -> dict:
    return {
        "pooled": {
            "model": {"mae": model},
            "baseline_mean": {"mae": baseline},
            "baseline_majority": {"mae": baseline + 0.1},
        }
    }


@pytest.mark.parametrize(
    ("model", "champion", "split", "promote", "why"),
    [
        (0.5, None, "h", True, "no champion"),
        (0.98, None, "h", False, "does not beat baseline_mean"),
        (0.4, Champion("1", 0.5, "h"), "h", True, "beats champion v1"),
        (0.5, Champion("1", 0.5, "h"), "h", False, "does not beat champion"),
        (0.4, Champion("1", 0.5, "other"), "h", False, "another split"),
    ],
)
def test_quality_gate(
    model: float, champion: Champion | None, split: str, promote: bool, why: str
) -> None:
    decision = decide(
        _report(model), split, champion, GateConfig(min_improvement_over_baseline=0.05)
    )
    assert decision.promote is promote and why in decision.reason
    assert decision.alias == ("champion" if promote else "challenger")


def test_gate_on_a_metric_the_model_does_not_report_keeps_it_challenger() -> None:
    """`--model all` on a one-class config gates supervised models on auroc they lack."""
    gate = GateConfig(metric="auroc", greater_is_better=True)
    decision = decide(_report(0.3), "h", None, gate)
    assert not decision.promote and "auroc is not finite" in decision.reason


def test_auroc_of_a_one_class_score_matches_the_hand_count() -> None:
    # 2 normal (label 1), 2 anomalous (label 0). Anomaly scores: the pairs (anomalous, normal)
    # ordered correctly are (0.9 > 0.1), (0.9 > 0.5), (0.4 > 0.1), but not (0.4 < 0.5): 3/4.
    pred = pd.DataFrame(
        {
            "sample_id": list("abcd"),
            "subject_id": list("abcd"),
            "fold": 0,
            "label": [1, 1, 0, 0],
            "normal_label": 1,
            "anomaly_score": [0.1, 0.5, 0.9, 0.4],
            "score": [1.0, 1.0, 0.0, 1.0],
            "baseline_majority": 1.0,
            "baseline_mean": 0.5,
        }
    )
    report = evaluate_predictions(pred, 0, 1)
    assert report["pooled"]["model"]["auroc"] == pytest.approx(0.75)
    assert report["pooled"]["baseline_mean"]["auroc"] == 0.5
    assert report["pooled"]["model"]["exact_acc"] == pytest.approx(0.75)
