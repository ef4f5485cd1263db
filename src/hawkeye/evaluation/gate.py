"""The quality gate: when a new model version may take the ``champion`` alias.

Pure logic, so the rule can be read and tested without a registry: the new
model must beat the best trivial baseline by a margin, and beat the current
champion on the same evaluation (same split of the same recordings). A
champion scored on another split cannot be compared, so the new model stays a
challenger until someone re-evaluates or promotes it by hand.

Which way is better comes from the metric registry for a declared metric
(``auroc``: greater; ``mae``: smaller; a segment metric of
:mod:`hawkeye.evaluation.segments`: greater), unless the gate configuration sets
``greater_is_better`` itself (:func:`greater_is_better`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hawkeye.config import GateConfig
from hawkeye.evaluation import segments
from hawkeye.evaluation.registry import COVERAGE, direction


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str

    @property
    def alias(self) -> str:
        return "champion" if self.promote else "challenger"


@dataclass(frozen=True)
class Champion:
    version: str
    value: float
    split_hash: str


def greater_is_better(gate: GateConfig) -> bool:
    """The gate's direction: the configuration's when it sets one, else the registry's.

    A metric the registry does not declare counts as smaller-is-better, as errors do. Kept
    as ``None`` in the configuration (not resolved there), so a configuration that went
    through ``model_dump`` (a ZenML step parameter, a registry tag) still means the same.
    """
    if gate.greater_is_better is not None:
        return gate.greater_is_better
    found = direction(gate.metric)
    return bool(found if found is not None else segments.direction(gate.metric))


def _better(a: float, b: float, greater_is_better: bool) -> bool:
    return a > b if greater_is_better else a < b


def decide(
    report: dict[str, Any],
    split_hash: str,
    champion: Champion | None,
    gate: GateConfig,
    external: tuple[bool, str] | None = None,
) -> Decision:
    """``external``: (passed, reason) of the external-set check when the gate names one."""
    pooled = report["pooled"]
    m = gate.metric
    up = greater_is_better(gate)
    # A metric this model does not report (auroc of a supervised model) cannot pass the gate.
    value = pooled["model"].get(m, math.nan)
    baselines = {
        who: v[m]
        for who, v in pooled.items()
        if who.startswith("baseline") and math.isfinite(v.get(m, math.nan))
    }
    if not math.isfinite(value):
        return Decision(False, f"{m} is not finite ({value}); nothing to compare")
    coverage = pooled["model"].get(COVERAGE, 1.0)
    if coverage < gate.min_coverage:
        return Decision(
            False,
            f"scored only {coverage:.0%} of the recordings (min_coverage {gate.min_coverage:.0%})",
        )
    if baselines:
        best_name, best = (max if up else min)(baselines.items(), key=lambda kv: kv[1])
        margin = gate.min_improvement_over_baseline
        target = best + margin if up else best - margin
        if not _better(value, target, up) and value != target:
            return Decision(
                False, f"{m}={value:.4f} does not beat {best_name} ({best:.4f}) by {margin}"
            )
    if external is not None and not external[0]:
        return Decision(False, external[1])
    also = f"; {external[1]}" if external is not None else ""
    if champion is None:
        return Decision(
            True, f"{m}={value:.4f} beats the baselines and there is no champion yet{also}"
        )
    if champion.split_hash != split_hash:
        return Decision(
            False,
            f"champion v{champion.version} was evaluated on another split "
            f"({champion.split_hash} != "
            f"{split_hash}); not comparable, promote by hand after re-evaluation",
        )
    if _better(value, champion.value, up):
        return Decision(
            True,
            f"{m}={value:.4f} beats champion v{champion.version} ({champion.value:.4f}){also}",
        )
    return Decision(
        False, f"{m}={value:.4f} does not beat champion v{champion.version} ({champion.value:.4f})"
    )
