"""How far off a severity score may be: split-conformal intervals from out-of-fold residuals.

A score of 2.3 means little without knowing how wrong such scores were on recordings the
model had not seen. Split conformal prediction answers that with one assumption only
(the new recording is exchangeable with the calibration ones): take the absolute
out-of-fold residuals ``|label - score|`` of the training rows, and the interval
``score ± q``, with ``q`` the ⌈(n+1)·coverage⌉-th smallest of them, holds the true
label with probability at least ``coverage``.

The quantile is computed by the maintained library ``crepes``
(:class:`crepes.ConformalRegressor`, standard non-normalised, non-Mondrian), rather than
re-derived here. crepes 0.9.1 was checked against the project's pins: it requires only
numpy, pandas and scipy (and imports scikit-learn), and installing it changes none of
their versions. Its rule: residuals sorted in decreasing order, ``alpha`` is the
``int((1 - coverage)(n + 1))``-th of them, which is the ⌈(n+1)·coverage⌉-th smallest
(in floating point, at a product that should be a whole number it can land one step
more conservative, e.g. 91 rather than 90 for residuals 1..99 at 0.9; never less).

The fitted crepes object is kept (``conformal_``) and computes the intervals; skops
serialises it as the untrusted-by-default type ``crepes.base.ConformalRegressor``, which
a loader must list in ``trusted`` (``skops.io.get_untrusted_types`` names it).
"""

from __future__ import annotations

import math
from importlib.metadata import version

import numpy as np
from crepes import ConformalRegressor
from sklearn.base import BaseEstimator


def _vector(values: object, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite numbers; got NaN or infinite values")
    return array


class ConformalInterval(BaseEstimator):
    """A score's interval that holds the true label with probability ≥ ``coverage``.

    Parameters
    ----------
    coverage:
        The target probability that an interval holds the true label, in (0, 1).
    min_label, max_label:
        The label scale's ends (0 and 4 for MDS-UPDRS items); intervals are clipped to
        them, because a severity outside the scale is not a possible answer. None: the
        lowest / highest label seen in ``fit``.

    Fitted attributes: ``conformal_`` (crepes' regressor), ``halfwidth_`` (``q``; infinite
    when fewer than ``1/(1 - coverage) - 1`` rows make any finite interval too narrow to
    promise the coverage), ``n_`` (calibration rows), ``empirical_coverage_`` (share of the
    calibration residuals within ``halfwidth_``, ≥ ``coverage`` by construction),
    ``min_label_``, ``max_label_``.
    """

    def __init__(
        self,
        coverage: float = 0.9,
        min_label: float | None = None,
        max_label: float | None = None,
    ) -> None:
        self.coverage = coverage
        self.min_label = min_label
        self.max_label = max_label

    def fit(self, labels: object, scores: object) -> ConformalInterval:
        """Calibrate on out-of-fold ``scores`` of rows whose true ``labels`` are known.

        The scores must come from models that did not train on their row (cross-validation
        predictions): in-sample residuals are too small and the intervals would be too.
        """
        if not 0 < self.coverage < 1:
            raise ValueError(f"coverage must be strictly between 0 and 1, got {self.coverage}")
        y = _vector(labels, "labels")
        y_hat = _vector(scores, "scores")
        if len(y) != len(y_hat):
            raise ValueError(f"{len(y)} labels but {len(y_hat)} scores")
        if len(y) == 0:
            raise ValueError("no calibration rows")
        self.min_label_ = float(np.min(y) if self.min_label is None else self.min_label)
        self.max_label_ = float(np.max(y) if self.max_label is None else self.max_label)
        if self.min_label_ > self.max_label_:
            raise ValueError(f"min_label {self.min_label_} > max_label {self.max_label_}")
        residuals = y - y_hat
        self.conformal_ = ConformalRegressor().fit(residuals)
        self.n_ = len(y)
        if int((1 - self.coverage) * (self.n_ + 1)) < 1:
            # crepes would warn and return infinite intervals on every call; say it once here.
            self.halfwidth_ = math.inf
        else:
            self.halfwidth_ = float(
                self.conformal_.predict_int(np.zeros(1), confidence=self.coverage)[0, 1]
            )
        self.empirical_coverage_ = float(np.mean(np.abs(residuals) <= self.halfwidth_))
        return self

    def interval(self, scores: object) -> np.ndarray:
        """``[n, 2]`` lower and upper ends per score, clipped to the label scale."""
        y_hat = _vector(scores, "scores")
        if not math.isfinite(self.halfwidth_):
            ends = np.empty((len(y_hat), 2))
            ends[:, 0], ends[:, 1] = self.min_label_, self.max_label_
            return ends
        return self.conformal_.predict_int(
            y_hat, confidence=self.coverage, y_min=self.min_label_, y_max=self.max_label_
        )

    def describe(self) -> dict[str, object]:
        """A JSON summary for the model registry and the scoring report."""
        return {
            "method": f"split conformal (crepes {version('crepes')})",
            "coverage": float(self.coverage),
            "halfwidth": self.halfwidth_ if math.isfinite(self.halfwidth_) else None,
            "calibration_rows": int(self.n_),
            "empirical_coverage": self.empirical_coverage_,
            "label_range": [self.min_label_, self.max_label_],
        }
