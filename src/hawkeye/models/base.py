"""One estimator contract for every model, and the kind each estimator declares.

Every estimator scores on the dataset's label scale ``min_label..max_label``:
``fit(X, y)`` returns itself, ``predict(X)`` gives one value a row in that range
(NaN where a zero-shot scorer got no usable answer), ``feature_names_in_`` names
the columns it reads. Like scikit-learn's ``_estimator_type``, each estimator
class says what kind it is in ``_model_kind``, read by :func:`model_kind`,
:func:`is_one_class` and :func:`is_zero_shot` (never ``hasattr`` checks):

- ``scorer`` (:class:`ScorerMixin`): a supervised score; classifiers also give
  ``predict_proba``, from which ``predict`` takes the most probable class
  (``mode: classification``) or the expected score (the other modes);
- ``one-class`` (:class:`OneClassMixin`): trained on correct executions only;
  ``predict`` is the decision in label space, ``score_samples`` the normality;
- ``zero-shot`` (:class:`ZeroShotMixin`): learns nothing; ``predict_details``
  keeps each answer with its status;
- ``frame-wise`` (:mod:`hawkeye.models.framewise`): one label a *frame*, for
  ``task: segments``; ``fit(rows)`` reads the targets from the rows' segments,
  ``predict(rows)`` gives one label array a recording, ``predict_segments`` the runs.

No torch here: scoring and the registry import it on the CPU-only path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from hawkeye.models.registry import FRAME_WISE, KINDS, ONE_CLASS, SCORER, ZERO_SHOT

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FRAME_WISE",
    "KINDS",
    "ONE_CLASS",
    "SCORER",
    "ZERO_SHOT",
    "OneClassMixin",
    "ScorerMixin",
    "ZeroShotMixin",
    "is_frame_wise",
    "is_one_class",
    "is_zero_shot",
    "model_kind",
    "one_class_outputs",
]


def model_kind(model: Any) -> str:
    """The kind an estimator declares (``scorer`` when it declares none, e.g. a wrapper)."""
    return getattr(model, "_model_kind", SCORER)


def is_one_class(model: Any) -> bool:
    return model_kind(model) == ONE_CLASS


def is_zero_shot(model: Any) -> bool:
    return model_kind(model) == ZERO_SHOT


def is_frame_wise(model: Any) -> bool:
    """One label a frame (``task: segments``): :mod:`hawkeye.models.framewise`."""
    return model_kind(model) == FRAME_WISE


class ScorerMixin:
    """The label range and how a score is read from class probabilities; subclasses fit."""

    _model_kind = SCORER
    min_label: int
    max_label: int
    mode: str

    @property
    def labels(self) -> np.ndarray:
        """Every score on the scale, ``min_label..max_label``."""
        return np.arange(self.min_label, self.max_label + 1)

    def _clip(self, score: np.ndarray) -> np.ndarray:
        return np.clip(score, self.min_label, self.max_label)

    def _from_proba(self, proba: pd.DataFrame) -> np.ndarray:
        """The most probable class (``classification``) or the expected score (ordered
        classes); ``proba``'s columns are the scores seen in training."""
        values = proba.columns.to_numpy(dtype=float)
        if self.mode == "classification":
            return values[np.argmax(proba.to_numpy(), axis=1)]
        return proba.to_numpy() @ values

    def predict_label(self, X: pd.DataFrame) -> np.ndarray:
        """The score rounded to a whole label."""
        return np.rint(self.predict(X)).astype(int)  # type: ignore[attr-defined]


class ZeroShotMixin(ScorerMixin):
    """A scorer that learns nothing; its scores are NaN where an answer could not be read."""

    _model_kind = ZERO_SHOT

    def predict_label(self, X: pd.DataFrame) -> np.ndarray:
        """Rounded scores as floats, NaN kept (an int array cannot hold a missing score)."""
        return np.rint(self.predict(X))  # type: ignore[attr-defined]


class OneClassMixin(ScorerMixin):
    """A model of the correct executions that flags what departs from them.

    Subclasses give ``score_samples(X)`` (scikit-learn's sign: higher = more normal)
    and ``offset_``, the value of ``score_samples`` at the decision threshold. Then
    ``decision_function = score_samples - offset_`` is negative for a flagged
    recording, and ``predict`` gives ``normal_`` where it is not, ``abnormal_`` where
    it is, NaN where the score is NaN. Meant for correct/incorrect labels; on a 0-4
    scale a flagged recording gets the far end, so MAE and QWK say little there.
    """

    _model_kind = ONE_CLASS
    normal_label: int | None
    offset_: float

    def score_samples(self, X: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    @property
    def normal_(self) -> int:
        """The label of a correct execution: ``normal_label``, else ``min_label``."""
        return self.min_label if self.normal_label is None else self.normal_label

    @property
    def abnormal_(self) -> int:
        """The label a flagged recording gets: the end of the scale away from ``normal_``."""
        return self.max_label if self.normal_ == self.min_label else self.min_label

    @property
    def labels(self) -> np.ndarray:
        """What ``predict`` can answer: the normal and the abnormal label."""
        return np.array(sorted({self.normal_, self.abnormal_}))

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """``score_samples - offset_``: >= 0 normal, < 0 flagged."""
        return self.score_samples(X) - self.offset_

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The decision in label space: ``normal_`` or ``abnormal_`` (NaN: no score)."""
        return self._decide(self.score_samples(X))

    def anomaly_score(self, X: pd.DataFrame) -> np.ndarray:
        """The anomaly relative to the threshold: 1 at it, larger = more anomalous, so models
        fitted on different folds share a scale (for scores that are negated errors, <= 0)."""
        return self._relative(self.score_samples(X))

    def _decide(self, scores: np.ndarray) -> np.ndarray:
        label = np.where(scores < self.offset_, self.abnormal_, self.normal_).astype(float)
        label[~np.isfinite(scores)] = np.nan
        return label

    def _relative(self, scores: np.ndarray) -> np.ndarray:
        return scores / self.offset_


def one_class_outputs(model: OneClassMixin, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``anomaly_score`` and ``predict`` from one pass of the model (evaluation and scoring
    both report the two)."""
    scores = model.score_samples(X)
    return model._relative(scores), model._decide(scores)
