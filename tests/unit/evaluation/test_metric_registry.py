"""The metric registry: one declaration a metric, read by the gate, the tables and MLflow."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import GateConfig
from hawkeye.evaluation import registry
from hawkeye.evaluation.gate import decide, greater_is_better
from hawkeye.evaluation.metrics import METRICS, evaluate_predictions, summary_table
from hawkeye.tracking.registry import SHOWN_METRICS, _row

# Worked out by hand from what each metric measures: an error falls, agreement rises.
DIRECTIONS = {
    "mae": False,
    "exact_acc": True,
    "within1_acc": True,
    "pearson": True,
    "spearman": True,
    "macro_f1": True,
    "qwk": True,
    "auroc": True,
}


def test_every_metric_is_declared_once_with_a_direction_kinds_and_a_label() -> None:
    names = [m.name for m in registry.REGISTRY]
    assert len(names) == len(set(names))
    for m in registry.REGISTRY:
        assert isinstance(m.greater_is_better, bool)
        assert m.applies_to and m.applies_to <= set(registry.KINDS)
        assert m.label.strip() and callable(m.fn)


def test_directions_are_the_hand_written_ones() -> None:
    assert {m.name: m.greater_is_better for m in registry.REGISTRY} == DIRECTIONS
    assert registry.direction("mae") is False and registry.direction("auroc") is True
    assert registry.direction("not_a_metric") is None


def test_auroc_applies_to_one_class_models_only() -> None:
    one_class = [m.name for m in registry.applicable(registry.ONE_CLASS)]
    regression = [m.name for m in registry.applicable(registry.REGRESSION)]
    classification = [m.name for m in registry.applicable(registry.CLASSIFICATION)]
    assert "auroc" in one_class and "auroc" not in regression + classification
    assert regression == classification == list(METRICS)
    assert regression == [
        "mae",
        "exact_acc",
        "within1_acc",
        "pearson",
        "spearman",
        "macro_f1",
        "qwk",
    ]
    with pytest.raises(ValueError, match="unknown kind"):
        registry.applicable("clustering")


@pytest.mark.parametrize(("metric", "expected"), sorted(DIRECTIONS.items()))
def test_the_gate_takes_the_registry_direction(metric: str, expected: bool) -> None:
    assert greater_is_better(GateConfig(metric=metric)) is expected


def test_a_gate_on_auroc_without_a_direction_wants_it_high() -> None:
    # auroc 0.9 against baselines of 0.5 (they rank nothing), margin 0.05: 0.9 >= 0.55 passes.
    # Read as smaller-is-better (GateConfig's default) it would need 0.45 or less and fail.
    report = {
        "pooled": {
            "model": {"auroc": 0.9},
            "baseline_majority": {"auroc": 0.5},
            "baseline_mean": {"auroc": 0.5},
        }
    }
    assert decide(report, "h", None, GateConfig(metric="auroc")).promote
    assert not decide(
        report, "h", None, GateConfig(metric="auroc", greater_is_better=False)
    ).promote


def test_models_list_columns_come_from_the_registry() -> None:
    shown = ("mae", "exact_acc", "within1_acc", "pearson", "spearman", "macro_f1", "qwk", "auroc")
    assert shown == SHOWN_METRICS == tuple(m.name for m in registry.REGISTRY if m.shown)
    version = SimpleNamespace(
        version="4",
        aliases=["champion"],
        tags={"metric.mae": "0.5", "metric.qwk": "0.75", "metric.coverage": "1"},
        creation_timestamp=0,
        run_id="r",
    )
    row = _row(version)
    metric_columns = [c for c in row if c in registry.BY_NAME]
    assert metric_columns == list(shown)
    assert row["mae"] == 0.5 and row["qwk"] == 0.75 and np.isnan(row["auroc"])
    assert "coverage" not in row  # not a shown metric


def test_views_are_subsets_in_registry_order() -> None:
    assert registry.names(headline=True) == ("mae", "exact_acc", "pearson")
    assert registry.names(compared=True) == ("mae", "exact_acc", "within1_acc", "pearson", "qwk")
    assert registry.names(shown=True) == SHOWN_METRICS


def test_summary_table_columns_come_from_the_registry() -> None:
    # A supervised model: every shown metric but auroc (one-class only) is a column.
    frame = pd.DataFrame(
        {
            "sample_id": list("abcdef"),
            "subject_id": list("aabbcc"),
            "fold": [0, 0, 1, 1, 2, 2],
            "label": [0, 1, 2, 3, 4, 2],
            "score": [0.0, 1.0, 2.0, 3.0, 4.0, 2.0],
            "baseline_majority": 2.0,
            "baseline_mean": 2.0,
        }
    )
    header = summary_table(evaluate_predictions(frame)).splitlines()[0]
    assert header == (
        "| predictor | mae | exact_acc | within1_acc | pearson | spearman | macro_f1 | qwk |"
    )
