"""``SequenceModel``: a sequence network behind the scikit-learn contract of ``ScoreModel``.

``fit(X, y)`` / ``predict(X)`` take the recordings table (``source`` paths to
landmark files, optional ``layout``/``fps``, ``subject_id`` for the
validation split); predictions are clipped to ``[min_label, max_label]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import RegressorMixin
from torch import nn

from hawkeye.models.base import ScorerMixin
from hawkeye.models.sequence.base import SequenceEstimator
from hawkeye.models.sequence.data import inverse_frequency
from hawkeye.models.sequence.names import ARCHITECTURES, GRAPH_ARCHITECTURES, resolve_params
from hawkeye.models.sequence.nets import build_net

MODES = ("regression", "classification", "ordinal_classification")


class SequenceModel(ScorerMixin, RegressorMixin, SequenceEstimator):
    """LSTM+attention, Transformer, ConvLSTM, TCN, Conv-BiLSTM or ST-GCN scorer of a recording.

    ``mode`` as in :class:`hawkeye.models.classical.ScoreModel`: ``regression``
    (one output, the score), ``classification`` (most probable class) or
    ``ordinal_classification`` (expected score under the class probabilities).
    ``params``: see :data:`hawkeye.models.sequence.names.DEFAULTS`. After ``fit``,
    ``fit_info_`` says where and how fast it trained (device, precision, wall_s,
    samples_per_s, epochs, batch, OOM retries, resume).
    """

    def __init__(
        self,
        arch: str = "lstm_attention",
        mode: str = "regression",
        params: dict[str, Any] | None = None,
        min_label: int = 0,
        max_label: int = 4,
        random_state: int = 0,
    ) -> None:
        self.arch = arch
        self.mode = mode
        self.params = params
        self.min_label = min_label
        self.max_label = max_label
        self.random_state = random_state

    @property
    def task(self) -> str:  # type: ignore[override]
        return "regression" if self.mode == "regression" else "classification"

    @property
    def _graph_net(self) -> bool:
        return self.arch in GRAPH_ARCHITECTURES

    def _build_net(self, in_dim: int, out_dim: int, p: dict[str, Any]) -> nn.Module:
        if self._graph_net:  # the layout's bone graph, from what fit recorded
            return build_net(self.arch, in_dim, out_dim, **p, adjacency=self._adjacency())
        return build_net(self.arch, in_dim, out_dim, **p)

    def fit(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        groups: Sequence | None = None,
        callbacks: Sequence = (),
    ) -> SequenceModel:
        """Train on the table's recordings; ``groups`` overrides ``X['subject_id']``."""
        if self.arch not in ARCHITECTURES:
            raise ValueError(f"unknown architecture {self.arch!r}; known: {ARCHITECTURES}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        p = resolve_params(self.params)
        labels = np.asarray(y)
        classes, weights = inverse_frequency(labels)  # classes keep the labels' type
        y = labels.astype(float)
        if not p["class_weights"]:
            weights = np.ones_like(weights)
        if self.task == "regression":
            self.label_mean_, self.label_std_ = float(y.mean()), float(y.std()) or 1.0
            sample_w = weights[np.searchsorted(classes, labels)]
            targets = np.stack([(y - self.label_mean_) / self.label_std_, sample_w], axis=1)
            targets = targets.astype(np.float32)
            out_dim, kwargs = 1, {"mixup": p["mixup"]}
        else:
            self.classes_ = classes
            targets = np.searchsorted(classes, labels).astype(np.int64)
            out_dim = len(classes)
            kwargs = {
                "class_weights": weights,
                "label_smoothing": p["label_smoothing"],
                "mixup": p["mixup"],
            }
        self._fit(X, y, targets, out_dim, kwargs, groups, callbacks)
        return self

    def predict_proba(self, X: pd.DataFrame) -> pd.DataFrame:
        """Class probabilities, columns are the scores seen in training (classification only)."""
        if self.task != "classification":
            raise AttributeError(f"predict_proba needs a classification mode, not {self.mode!r}")
        logits = torch.cat(self._outputs(X)).float()
        proba = torch.softmax(logits, dim=1).numpy()
        return pd.DataFrame(proba, columns=self.classes_, index=X.index)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        if self.mode == "regression":
            out = torch.cat(self._outputs(X)).float().squeeze(-1).numpy()
            score = out * self.label_std_ + self.label_mean_
        else:  # the most probable class, or the expected score
            score = self._from_proba(self.predict_proba(X))
        return self._clip(score)
