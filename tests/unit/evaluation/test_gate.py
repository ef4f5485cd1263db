"""The pure quality gate on hand-made metric dicts; every expectation worked out by hand."""

from __future__ import annotations

import pytest

from hawkeye.config import GateConfig
from hawkeye.evaluation.gate import Champion, decide, greater_is_better


def _report(metric: str, model: float, majority: float, mean: float, **model_extra: float) -> dict:
    return {
        "pooled": {
            "model": {metric: model, **model_extra},
            "baseline_majority": {metric: majority},
            "baseline_mean": {metric: mean},
        }
    }


# mae, smaller is better. Baselines 1.0 (mean) and 1.25 (majority): the best is 1.0, and with
# a margin of 0.25 the model must reach 1.0 - 0.25 = 0.75 or below.
MAE_GATE = GateConfig(metric="mae", min_improvement_over_baseline=0.25)


@pytest.mark.parametrize(
    ("model", "promote"),
    [(0.5, True), (0.75, True), (0.8, False), (1.0, False), (1.1, False)],
)
def test_mae_must_beat_the_best_baseline_by_the_margin(model: float, promote: bool) -> None:
    decision = decide(_report("mae", model, 1.25, 1.0), "h", None, MAE_GATE)
    assert decision.promote is promote
    if promote:
        assert decision.reason == (
            f"mae={model:.4f} beats the baselines and there is no champion yet"
        )
    else:
        assert decision.reason == f"mae={model:.4f} does not beat baseline_mean (1.0000) by 0.25"


def test_greater_is_better_takes_the_best_baseline_from_above() -> None:
    # exact_acc, greater is better: baselines 0.5 (majority) and 0.25 (mean); the best is 0.5,
    # so with a margin of 0.25 the model needs 0.75 or more.
    gate = GateConfig(
        metric="exact_acc", greater_is_better=True, min_improvement_over_baseline=0.25
    )
    assert decide(_report("exact_acc", 0.875, 0.5, 0.25), "h", None, gate).promote
    assert decide(_report("exact_acc", 0.75, 0.5, 0.25), "h", None, gate).promote
    below = decide(_report("exact_acc", 0.625, 0.5, 0.25), "h", None, gate)
    assert not below.promote
    assert below.reason == "exact_acc=0.6250 does not beat baseline_majority (0.5000) by 0.25"


def test_a_declared_metric_takes_its_direction_from_the_registry() -> None:
    # No greater_is_better in the configuration: exact_acc is declared greater-is-better, so
    # the numbers of the test above give the same decisions.
    gate = GateConfig(metric="exact_acc", min_improvement_over_baseline=0.25)
    assert greater_is_better(gate) is True
    assert decide(_report("exact_acc", 0.875, 0.5, 0.25), "h", None, gate).promote
    assert not decide(_report("exact_acc", 0.625, 0.5, 0.25), "h", None, gate).promote


def test_the_configuration_overrides_the_registry() -> None:
    # exact_acc gated as if smaller were better: the best baseline is then the smaller one,
    # 0.25, and the model must reach 0.25 - 0.25 = 0.0.
    gate = GateConfig(
        metric="exact_acc", greater_is_better=False, min_improvement_over_baseline=0.25
    )
    assert greater_is_better(gate) is False
    high = decide(_report("exact_acc", 0.875, 0.5, 0.25), "h", None, gate)
    assert not high.promote
    assert high.reason == "exact_acc=0.8750 does not beat baseline_mean (0.2500) by 0.25"
    assert decide(_report("exact_acc", 0.0, 0.5, 0.25), "h", None, gate).promote


def test_an_undeclared_metric_keeps_the_default_direction() -> None:
    gate = GateConfig(metric="brier", min_improvement_over_baseline=0.0)
    assert greater_is_better(gate) is False  # GateConfig's default
    # smaller is better: 0.1 beats the best baseline 0.2, 0.3 does not.
    assert decide(_report("brier", 0.1, 0.4, 0.2), "h", None, gate).promote
    assert not decide(_report("brier", 0.3, 0.4, 0.2), "h", None, gate).promote


@pytest.mark.parametrize(
    ("model", "champion", "promote", "reason"),
    [
        # greater is better: 0.9375 > 0.875 beats the champion; 0.8125 < 0.875 does not.
        (0.9375, 0.875, True, "exact_acc=0.9375 beats champion v3 (0.8750)"),
        (0.8125, 0.875, False, "exact_acc=0.8125 does not beat champion v3 (0.8750)"),
        # a tie does not take the alias
        (0.875, 0.875, False, "exact_acc=0.8750 does not beat champion v3 (0.8750)"),
    ],
)
def test_the_champion_is_compared_in_the_metric_direction(
    model: float, champion: float, promote: bool, reason: str
) -> None:
    gate = GateConfig(metric="exact_acc", min_improvement_over_baseline=0.0)
    decision = decide(
        _report("exact_acc", model, 0.5, 0.25), "h", Champion("3", champion, "h"), gate
    )
    assert decision.promote is promote and decision.reason == reason


def test_a_champion_on_another_split_cannot_be_beaten() -> None:
    gate = GateConfig(metric="mae", min_improvement_over_baseline=0.0)
    decision = decide(_report("mae", 0.1, 1.25, 1.0), "h1", Champion("2", 0.9, "h0"), gate)
    assert not decision.promote and "evaluated on another split (h0 != h1)" in decision.reason


@pytest.mark.parametrize(
    ("coverage", "promote"),
    [(0.75, False), (0.8, True), (1.0, True)],
)
def test_a_zero_shot_model_must_score_enough_recordings(coverage: float, promote: bool) -> None:
    # min_coverage 0.8: 75% of the recordings is too few, 80% is enough. The mae itself
    # (0.5 against the best baseline 1.0, margin 0.25) passes either way.
    gate = GateConfig(metric="mae", min_improvement_over_baseline=0.25, min_coverage=0.8)
    decision = decide(_report("mae", 0.5, 1.25, 1.0, coverage=coverage), "h", None, gate)
    assert decision.promote is promote
    if not promote:
        assert decision.reason == "scored only 75% of the recordings (min_coverage 80%)"


def test_a_report_without_coverage_counts_as_fully_scored() -> None:
    gate = GateConfig(metric="mae", min_improvement_over_baseline=0.25, min_coverage=1.0)
    assert decide(_report("mae", 0.5, 1.25, 1.0), "h", None, gate).promote


def test_a_failed_external_set_keeps_the_model_challenger() -> None:
    gate = GateConfig(metric="mae", min_improvement_over_baseline=0.25)
    report = _report("mae", 0.5, 1.25, 1.0)  # beats the internal baselines
    failed = (False, "external park: mae=1.300 does not beat baseline_mean (1.100)")
    decision = decide(report, "h", None, gate, external=failed)
    assert not decision.promote and decision.reason == failed[1]
    passed = (True, "external park: mae=0.900 beats baseline_mean (1.100)")
    decision = decide(report, "h", None, gate, external=passed)
    assert decision.promote
    assert decision.reason == (
        "mae=0.5000 beats the baselines and there is no champion yet; "
        "external park: mae=0.900 beats baseline_mean (1.100)"
    )


def test_the_internal_baselines_are_checked_before_the_external_set() -> None:
    gate = GateConfig(metric="mae", min_improvement_over_baseline=0.25)
    decision = decide(
        _report("mae", 0.9, 1.25, 1.0), "h", None, gate, external=(True, "external park: ok")
    )
    assert not decision.promote
    assert decision.reason == "mae=0.9000 does not beat baseline_mean (1.0000) by 0.25"
