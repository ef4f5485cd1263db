"""Where a model's training data ends: a verdict per new input, with reasons a clinician reads.

A severity model is only as good as the recordings it learnt from. A clinic's video can
differ from all of them (another camera, a partial recording, a different task, a
tracker failure) and the model will still return a number. :class:`ApplicabilityDomain`
describes the training inputs and tells, per new input, whether its score can be taken
at face value (``inside``), should be looked at (``flagged``), or should not be shown as
a score at all (``refused``), and why, in sentences.

Three checks, each catching what the others miss:

- per-feature ranges (training quantiles widened by a margin in IQR units): names the
  feature and how far out it is, which a person can check against the video;
- multivariate novelty (scikit-learn's ``IsolationForest`` on robust-scaled features): a
  combination of individually ordinary values that no training recording had;
- recording conditions (number of taps, tapping duration, frame rate, ...): the
  circumstances of the recording rather than the hand's movement.

Missing features are reported too; too many of them and the score rests on imputation.

What the novelty check does not catch, measured on PARK (116 numeric features, 80/20
splits, 5 seeds): held-out recordings are flagged at about the nominal 1 %, but rows whose
feature values were shuffled across recordings (every value ordinary, the correlations
between them broken) were flagged 0 % of the time. Axis-parallel isolation trees see
isolated values, not broken correlations. PCA-whitening the features first catches the
shuffled rows only when thresholds come from in-sample scores, which then flags ~11 % of
genuine held-out recordings; with out-of-fold thresholds it flags ~1 % of held-out and
~20 % of shuffled rows. 489 recordings are too few to learn 116 features' joint shape, so
the range and condition checks carry most of the weight.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator
from sklearn.ensemble import IsolationForest

# How the reason sentences name known recording conditions: label, unit, words for below /
# above the range. Unknown conditions use their column name.
CONDITION_WORDS: dict[str, tuple[str, str, str, str]] = {
    "taps": ("number of taps", "", "fewer", "more"),
    "tapping_s": ("tapping duration", " s", "shorter", "longer"),
    "fps": ("frame rate", " fps", "lower", "higher"),
    "duration_s": ("recording length", " s", "shorter", "longer"),
}
# Names listed in full in a reason sentence; the ``missing`` / ``outside`` lists have all.
MAX_NAMED = 10
NOT_RECORDED = "not recorded in the training data"
NOT_MEASURED = "not measured for this recording"


def _fmt(value: float) -> str:
    """A number as a clinician reads it: three significant digits, no exponent below 10⁶."""
    if 1e3 <= abs(value) < 1e6:
        return f"{value:.0f}"
    return f"{value:.3g}"


def _json_float(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _numeric(frame: pd.DataFrame, what: str) -> np.ndarray:
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise ValueError(f"{what} columns must be numeric; not numeric: {bad}")
    return frame.to_numpy(dtype=np.float64, na_value=np.nan)


def _robust_scale(values: np.ndarray) -> np.ndarray:
    """Per column: the IQR, with a floor where it is zero.

    A column that is mostly one value (a count of freezes, mostly 0) has IQR 0, and
    dividing by it would make every other value infinitely far out. Floor: the standard
    deviation; for a constant column, 0.1 % of its magnitude (at least 0.001), so that
    any departure from the constant reads as far out, because it is.
    """
    if values.shape[1] == 0:
        return np.ones(0)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: handled below
        q25, q75 = np.nanquantile(values, [0.25, 0.75], axis=0)
        iqr = q75 - q25
        std = np.nanstd(values, axis=0)
        median = np.nanmedian(values, axis=0)
    floor = 1e-3 * np.maximum(np.abs(np.nan_to_num(median)), 1.0)
    scale = np.where(iqr > 0, iqr, np.where(std > 0, std, floor))
    return np.where(np.isfinite(scale), scale, 1.0)


def _bounds(values: np.ndarray, quantiles: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Per-column training quantiles; NaN for a column with no value at all."""
    out = np.full((2, values.shape[1]), np.nan)
    measured = ~np.isnan(values).all(axis=0)
    if measured.any():
        out[:, measured] = np.nanquantile(values[:, measured], quantiles, axis=0)
    return out[0], out[1]


def tapping_conditions(features: pd.DataFrame) -> pd.DataFrame:
    """Recording conditions of finger tapping derived from PARK-named feature columns.

    ``taps``: ``num_peaks_denoised``. ``tapping_s``: ``period_mean_denoised`` * (taps - 1),
    the span the taps cover in seconds (PARK's periods are in seconds). NaN where the
    columns are absent. A model that never saw a recording with three taps should not
    be trusted on one, even if each feature alone looks ordinary.
    """
    nan = pd.Series(np.nan, index=features.index, dtype=np.float64)
    taps = features["num_peaks_denoised"].astype(float) if "num_peaks_denoised" in features else nan
    period = (
        features["period_mean_denoised"].astype(float)
        if "period_mean_denoised" in features
        else nan
    )
    return pd.DataFrame({"taps": taps, "tapping_s": period * (taps - 1)}, index=features.index)


class ApplicabilityDomain(BaseEstimator):
    """The training inputs of a model, and a verdict per new input.

    Parameters
    ----------
    range_quantiles:
        Per-feature bounds taken from these training quantiles; (0, 1) = min and max.
    margin_iqr:
        Tolerance beyond the bounds, in units of the training IQR (see
        :func:`_robust_scale` for zero-IQR columns), so a value a hair beyond the
        largest training value is not reported.
    novelty_quantile:
        Flag an input whose novelty score (``IsolationForest.score_samples``, higher = more
        normal) is below this quantile of the training rows' own scores.
    refuse_outside_share:
        Refuse when more than this share of the measurable features are out of range by
        more than ``refuse_far_iqr``: the model would be extrapolating on a large part of
        its inputs.
    refuse_far_iqr:
        How far beyond the training range (in IQR) a feature must lie to count towards a
        refusal; nearer excursions only flag, since a small sample's extremes are noisy.
    refuse_novelty_quantile:
        Refuse when the novelty score is strictly below this quantile of the training
        scores; the default 0 is the minimum: more unusual than every training recording.
    refuse_missing_share:
        Refuse when more than this share of the features are NaN.
    n_estimators:
        Trees of the isolation forest (scikit-learn's default; the serialised model grows
        with it, about 25 kB a tree for PARK's 116 features).
    random_state:
        Seed of the isolation forest, for reproducible verdicts.
    """

    def __init__(
        self,
        range_quantiles: tuple[float, float] = (0.0, 1.0),
        margin_iqr: float = 0.1,
        novelty_quantile: float = 0.01,
        refuse_outside_share: float = 0.25,
        refuse_far_iqr: float = 1.0,
        refuse_novelty_quantile: float = 0.0,
        refuse_missing_share: float = 0.5,
        n_estimators: int = 100,
        random_state: int | None = 0,
    ) -> None:
        self.range_quantiles = range_quantiles
        self.margin_iqr = margin_iqr
        self.novelty_quantile = novelty_quantile
        self.refuse_outside_share = refuse_outside_share
        self.refuse_far_iqr = refuse_far_iqr
        self.refuse_novelty_quantile = refuse_novelty_quantile
        self.refuse_missing_share = refuse_missing_share
        self.n_estimators = n_estimators
        self.random_state = random_state

    # ------------------------------------------------------------------ fit

    def fit(self, X: pd.DataFrame, conditions: pd.DataFrame | None = None) -> ApplicabilityDomain:
        """Describe the training inputs ``X`` and, optionally, their recording conditions.

        ``conditions`` has one row per row of ``X`` (same order); a column that is NaN in
        every row is kept and reported as not recorded in the training data.
        """
        low_q, high_q = (float(q) for q in self.range_quantiles)
        if not 0 <= low_q <= high_q <= 1:
            raise ValueError(f"range_quantiles must be 0 ≤ low ≤ high ≤ 1, got {(low_q, high_q)}")
        if len(X) < 2:
            raise ValueError(f"need at least 2 training rows, got {len(X)}")
        values = _numeric(X, "feature")
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = values.shape[1]
        self.n_training_rows_ = len(X)
        self.low_, self.high_ = _bounds(values, (low_q, high_q))
        self.scale_ = _robust_scale(values)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column: median 0
            median = np.nanmedian(values, axis=0)
        self.median_ = np.where(np.isfinite(median), median, 0.0)
        self.training_missing_share_ = np.isnan(values).mean(axis=0)

        self.novelty_model_ = IsolationForest(
            n_estimators=self.n_estimators, random_state=self.random_state
        ).fit(self._scaled(values))
        scores = self.novelty_model_.score_samples(self._scaled(values))
        # Every training score, sorted: the empirical quantiles, exact, so "more unusual
        # than 99.8 % of training recordings" counts recordings (n floats; small).
        self.training_scores_ = np.sort(scores)
        self.novelty_threshold_ = float(np.quantile(scores, self.novelty_quantile))
        self.refuse_novelty_threshold_ = float(np.quantile(scores, self.refuse_novelty_quantile))

        if conditions is None:
            conditions = pd.DataFrame(index=X.index)
        if len(conditions) != len(X):
            raise ValueError(f"{len(conditions)} condition rows for {len(X)} training rows")
        cond = _numeric(conditions, "condition")
        self.condition_names_ = [str(c) for c in conditions.columns]
        self.condition_low_, self.condition_high_ = _bounds(cond, (low_q, high_q))
        self.condition_scale_ = _robust_scale(cond)
        return self

    def _scaled(self, values: np.ndarray) -> np.ndarray:
        """Robust-scaled with training statistics, NaN imputed with the training median (0)."""
        return np.nan_to_num((values - self.median_) / self.scale_, nan=0.0)

    def _feature_matrix(self, X: pd.DataFrame) -> np.ndarray:
        """``X``'s training columns in training order; a column ``X`` lacks is all NaN."""
        frame = X.reindex(columns=list(self.feature_names_in_))
        return _numeric(frame, "feature")

    # ------------------------------------------------------------------ assess

    def assess(
        self, X: pd.DataFrame, conditions: pd.DataFrame | None = None
    ) -> list[dict[str, object]]:
        """One JSON-serialisable verdict per row of ``X`` (see the module docstring).

        Keys: ``verdict`` (``inside`` | ``flagged`` | ``refused``), ``reasons`` (sentences;
        empty when inside), ``outside`` (features out of range, furthest first, ``by_iqr``
        signed: positive above the high bound), ``missing`` (NaN features), ``novelty``
        (``score``, ``training_percentile`` = % of training recordings at least as unusual,
        ``threshold`` and ``refuse_threshold``), ``conditions`` (per condition: value,
        training bounds, ``inside``; None with a ``note`` when it cannot be checked).
        """
        values = self._feature_matrix(X)
        novelty = self.novelty_model_.score_samples(self._scaled(values))
        if conditions is not None and len(conditions) != len(X):
            raise ValueError(f"{len(conditions)} condition rows for {len(X)} inputs")
        cond_rows = (
            [None] * len(X)
            if conditions is None
            else [conditions.iloc[i] for i in range(len(conditions))]
        )
        return [self._assess_row(values[i], float(novelty[i]), cond_rows[i]) for i in range(len(X))]

    def _assess_row(
        self, row: np.ndarray, novelty: float, conditions: pd.Series | None
    ) -> dict[str, object]:
        names = self.feature_names_in_
        refusals: list[str] = []
        flags: list[str] = []

        missing = [str(names[j]) for j in np.flatnonzero(np.isnan(row))]
        if missing:
            share = len(missing) / len(row)
            listed = ", ".join(missing[:MAX_NAMED])
            if len(missing) > MAX_NAMED:
                listed += f" and {len(missing) - MAX_NAMED} more"
            sentence = f"{len(missing)} of {len(row)} features could not be measured: {listed}"
            if share > self.refuse_missing_share:
                refusals.append(
                    f"{sentence} (more than {self.refuse_missing_share:.0%} missing: the score "
                    "would rest on imputed values)"
                )
            else:
                flags.append(f"{sentence} (filled in with the training median)")

        outside = self._outside(row)
        measurable = int((~np.isnan(row) & np.isfinite(self.low_)).sum())
        if outside:
            top = outside[0]
            side = "above" if top["by_iqr"] > 0 else "below"
            sentence = (
                f"{len(outside)} of {measurable} features outside the training range "
                f"(largest: {top['feature']} {_fmt(top['value'])} vs "
                f"{_fmt(top['low'])} to {_fmt(top['high'])}, {abs(top['by_iqr']):.1f} IQR {side})"
            )
            far = [o for o in outside if abs(float(o["by_iqr"])) > self.refuse_far_iqr]
            if len(far) > self.refuse_outside_share * measurable:
                refusals.append(
                    f"{sentence}; {len(far)} of them more than {self.refuse_far_iqr:g} IQR out "
                    f"(over {self.refuse_outside_share:.0%} of the features), so the model would "
                    "be extrapolating"
                )
            else:
                flags.append(sentence)

        scores = self.training_scores_
        percentile = 100.0 * float(np.searchsorted(scores, novelty, side="right")) / len(scores)
        # Rounded down: never claim more training recordings are more normal than are.
        rarer_than = math.floor((100.0 - percentile) * 10) / 10
        if novelty < self.refuse_novelty_threshold_:
            refusals.append(
                "unusual combination of features: more unusual than every training recording"
                if self.refuse_novelty_quantile == 0
                else "unusual combination of features: more unusual than "
                f"{rarer_than:g} % of training recordings (refusal limit: "
                f"{100 * (1 - self.refuse_novelty_quantile):g} %)"
            )
        elif novelty < self.novelty_threshold_:
            flags.append(
                f"unusual combination of features: more unusual than {rarer_than:g} % of "
                "training recordings"
            )

        checked = self._conditions(conditions)
        for entry in checked:
            if entry["inside"] is False:
                flags.append(self._condition_sentence(entry))

        verdict = "refused" if refusals else "flagged" if flags else "inside"
        return {
            "verdict": verdict,
            "reasons": refusals + flags,
            "outside": outside,
            "missing": missing,
            "novelty": {
                "score": novelty,
                "training_percentile": percentile,
                "threshold": self.novelty_threshold_,
                "refuse_threshold": self.refuse_novelty_threshold_,
            },
            "conditions": checked,
        }

    def _outside(self, row: np.ndarray) -> list[dict[str, object]]:
        margin = self.margin_iqr * self.scale_
        with np.errstate(invalid="ignore"):
            above = row > self.high_ + margin
            below = row < self.low_ - margin
        found = []
        for j in np.flatnonzero(above | below):
            bound = self.high_[j] if above[j] else self.low_[j]
            found.append(
                {
                    "feature": str(self.feature_names_in_[j]),
                    "value": float(row[j]),
                    "low": float(self.low_[j]),
                    "high": float(self.high_[j]),
                    "by_iqr": float((row[j] - bound) / self.scale_[j]),
                }
            )
        return sorted(found, key=lambda entry: -abs(entry["by_iqr"]))

    def _conditions(self, conditions: pd.Series | None) -> list[dict[str, object]]:
        given = {} if conditions is None else {str(k): v for k, v in conditions.items()}
        entries = []
        for j, name in enumerate(self.condition_names_):
            raw = given.get(name, np.nan)
            value = float(raw) if raw is not None and pd.notna(raw) else math.nan
            low, high = self.condition_low_[j], self.condition_high_[j]
            entry: dict[str, object] = {
                "name": name,
                "value": _json_float(value),
                "low": _json_float(low),
                "high": _json_float(high),
                "inside": None,
            }
            if not math.isfinite(low):
                entry["note"] = NOT_RECORDED
            elif not math.isfinite(value):
                entry["note"] = NOT_MEASURED
            else:
                margin = self.margin_iqr * self.condition_scale_[j]
                entry["inside"] = bool(low - margin <= value <= high + margin)
            entries.append(entry)
        for name in given.keys() - set(self.condition_names_):
            raw = given[name]
            ok = raw is not None and pd.notna(raw)
            entries.append(
                {
                    "name": name,
                    "value": _json_float(float(raw)) if ok else None,
                    "low": None,
                    "high": None,
                    "inside": None,
                    "note": NOT_RECORDED,
                }
            )
        return entries

    def _condition_sentence(self, entry: dict[str, object]) -> str:
        name = str(entry["name"])
        label, unit, fewer, more = CONDITION_WORDS.get(name, (name, "", "lower", "higher"))
        value, low, high = (float(entry[k]) for k in ("value", "low", "high"))  # type: ignore[arg-type]
        word = fewer if value < low else more
        span = f"{_fmt(low)} to {_fmt(high)}{unit}"
        low_q, high_q = self.range_quantiles
        if (value < low and low_q == 0) or (value > high and high_q == 1):
            return f"{label} {_fmt(value)}{unit} is {word} than any training recording ({span})"
        return (
            f"{label} {_fmt(value)}{unit} is {word} than the training range ({span}, "
            f"{low_q:.0%} to {high_q:.0%} of training recordings)"
        )

    # ------------------------------------------------------------------ describe

    def describe(self) -> dict[str, object]:
        """A JSON summary for the model registry: what the model was trained on, the rules."""
        features = {
            str(name): {
                "low": _json_float(self.low_[j]),
                "high": _json_float(self.high_[j]),
                "median": _json_float(self.median_[j]),
                "scale": _json_float(self.scale_[j]),
                "training_missing_share": float(self.training_missing_share_[j]),
            }
            for j, name in enumerate(self.feature_names_in_)
        }
        conditions = {
            name: (
                {"low": float(self.condition_low_[j]), "high": float(self.condition_high_[j])}
                if math.isfinite(self.condition_low_[j])
                else {"low": None, "high": None, "note": NOT_RECORDED}
            )
            for j, name in enumerate(self.condition_names_)
        }
        return {
            "n_training_rows": int(self.n_training_rows_),
            "n_features": int(self.n_features_in_),
            "range_quantiles": [float(q) for q in self.range_quantiles],
            "margin_iqr": float(self.margin_iqr),
            "features": features,
            "conditions": conditions,
            "novelty": {
                "method": f"IsolationForest (scikit-learn {sklearn.__version__}), "
                "robust-scaled, median-imputed",
                "n_estimators": int(self.n_estimators),
                "flag_below": self.novelty_threshold_,
                "flag_quantile": float(self.novelty_quantile),
                "refuse_below": self.refuse_novelty_threshold_,
                "refuse_quantile": float(self.refuse_novelty_quantile),
            },
            "refuse_outside_share": float(self.refuse_outside_share),
            "refuse_missing_share": float(self.refuse_missing_share),
        }
