"""Summary statistics shared by the kinematic feature modules.

``describe`` gives the six statistics PARK reports for every kinematic series; the
other helpers summarise a short per-tap (or per-step) series: its linear trend, the
complexity of its trend, and how spread its values are.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.polynomial import Polynomial


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


def linear_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and R² of a least-squares line; NaN with fewer than three points.

    R² is NaN for a constant ``y`` (nothing to explain), not a rounding-noise number.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 3:
        return float("nan"), float("nan")
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    total = ((y - y.mean()) ** 2).sum()
    if total <= 1e-12 * float(y @ y):  # a constant series (up to rounding): R² is undefined
        return float(slope), float("nan")
    return float(slope), float(np.clip(1 - (resid**2).sum() / total, 0.0, 1.0))


def min_fit_degree(
    y: np.ndarray, r2: float = 0.9, max_degree: int = 10, rel_tol: float = 0.05
) -> float:
    """Smallest polynomial degree (over the sample index) whose fit follows ``y``.

    A fit follows when it explains ``r2`` of the variance, or when its residuals are
    already within ``rel_tol`` of the series' mean level (RMS): a steady series has a
    simple trend however its small jitter looks. 1 for a straight trend, higher for a
    series that only a wiggly curve follows. Degrees go up to ``max_degree`` but never
    past ``len(y) - 1`` (which interpolates every point); ``max_degree`` when none
    follows. NaN below three points.
    """
    y = np.asarray(y, dtype=float)
    if y.size < 3 or not np.isfinite(y).all():
        return float("nan")
    total = ((y - y.mean()) ** 2).sum()
    tolerance = max((1 - r2) * total, y.size * (rel_tol * y.mean()) ** 2)
    x = np.arange(y.size, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # high degrees on few points are ill-conditioned
        for degree in range(1, min(max_degree, y.size - 1) + 1):
            if ((y - Polynomial.fit(x, y, degree)(x)) ** 2).sum() <= tolerance:
                return float(degree)
    return float(max_degree)


def binned_entropy(values: np.ndarray, bin_share: float = 0.1) -> float:
    """Shannon entropy of ``values`` in bins ``bin_share`` x their median wide, scaled to 0..1.

    0 when every value lies within one bin (a steady series), 1 when each value falls
    in a bin of its own. The bins are relative to the median, so the entropy does not
    depend on the unit; it is divided by ``log(n)`` so series of different lengths
    compare. NaN with fewer than two values or a median of zero.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return float("nan")
    width = bin_share * abs(float(np.median(v)))
    if not width > 0:
        return float("nan")
    _, counts = np.unique(np.floor((v - v.min()) / width), return_counts=True)
    p = counts / v.size
    return float(-(p * np.log(p)).sum() / np.log(v.size)) + 0.0  # + 0.0: no -0.0
