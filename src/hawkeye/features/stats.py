"""Summary statistics shared by the gait and motion feature modules.

``describe`` gives the six statistics PARK reports for every kinematic series, here with
sample statistics (the PARK set itself, :mod:`hawkeye.features.park`, keeps PARK's own).
"""

from __future__ import annotations

import numpy as np


def describe(name: str, values: np.ndarray, suffix: str = "") -> dict[str, float]:
    """``{name}_{median,quartile_range,mean,min,max,stdev}{suffix}``; NaN when there is no value."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    keys = ("median", "quartile_range", "mean", "min", "max", "stdev")
    if v.size == 0:
        return {f"{name}_{k}{suffix}": float("nan") for k in keys}
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    stats = (med, q3 - q1, v.mean(), v.min(), v.max(), v.std(ddof=1) if v.size > 1 else 0.0)
    return {f"{name}_{k}{suffix}": float(s) for k, s in zip(keys, stats, strict=True)}
