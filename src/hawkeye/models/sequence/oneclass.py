"""One-class model for exercises: an LSTM autoencoder trained on correct repetitions only.

A repetition is squeezed through a ``latent``-sized bottleneck and rebuilt frame
by frame; what the model never saw (an incorrect execution) rebuilds worse, so
the reconstruction error is the anomaly score. Same estimator contract as the
other models (:class:`hawkeye.models.base.OneClassMixin`): ``fit(X, y)`` keeps
the rows labelled ``normal_label`` (or all rows when ``y`` is None) and sets the
threshold at the 95th percentile of their errors; ``predict(X)`` is the decision
in label space (``normal_`` up to the threshold, ``abnormal_`` above).

Signs: ``reconstruction_error`` (>= 0) grows away from the correct executions;
``score_samples = -reconstruction_error`` (scikit-learn's: higher = more normal);
``decision_function = score_samples - offset_`` is negative for a flagged
recording; ``anomaly_score`` is the error over the threshold (1 = the threshold).
``auroc`` scores a labelled set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

from hawkeye.models.base import OneClassMixin
from hawkeye.models.sequence.base import SequenceEstimator
from hawkeye.models.sequence.module import masked_mse
from hawkeye.models.sequence.nets import run_lstm


class AutoencoderNet(nn.Module):
    """LSTM encoder -> latent vector -> LSTM decoder fed the latent and each frame's phase."""

    def __init__(self, in_dim: int, hidden: int, latent: int, layers: int, dropout: float) -> None:
        super().__init__()
        drop = dropout if layers > 1 else 0.0
        self.encoder = nn.LSTM(in_dim, hidden, layers, batch_first=True, dropout=drop)
        self.to_latent = nn.Linear(hidden, latent)
        self.decoder = nn.LSTM(latent + 1, hidden, layers, batch_first=True, dropout=drop)
        self.out = nn.Linear(hidden, in_dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        z = torch.tanh(self.to_latent(run_lstm(self.encoder, x, mask)[1][-1]))
        t = x.shape[1]
        lengths = mask.sum(dim=1, keepdim=True).clamp(min=1)
        phase = torch.arange(t, device=x.device)[None, :] / lengths  # 0..1 over the repetition
        dec_in = torch.cat([z[:, None, :].expand(-1, t, -1), phase[..., None].to(z.dtype)], -1)
        return self.out(run_lstm(self.decoder, dec_in, mask)[0])


class SequenceAutoencoder(OneClassMixin, SequenceEstimator):
    task = "reconstruction"

    def __init__(
        self,
        params: dict[str, Any] | None = None,
        normal_label: int | None = None,
        min_label: int = 0,
        max_label: int = 4,
        random_state: int = 0,
    ) -> None:
        self.params = params
        self.normal_label = normal_label
        self.min_label = min_label
        self.max_label = max_label
        self.random_state = random_state

    def _build_net(self, in_dim: int, out_dim: int, p: dict[str, Any]) -> nn.Module:
        return AutoencoderNet(in_dim, p["hidden"], p["latent"], p["layers"], p["dropout"])

    def fit(
        self,
        X: pd.DataFrame,
        y: np.ndarray | None = None,
        groups: Sequence | None = None,
        callbacks: Sequence = (),
    ) -> SequenceAutoencoder:
        """Learn the correct executions: the rows whose label is ``normal_`` (all when no y)."""
        if y is not None:
            keep = np.asarray(y) == self.normal_
            if not keep.any():
                raise ValueError(f"no recording has the normal label {self.normal_}")
            X = X[keep]
            groups = None if groups is None else np.asarray(groups)[keep]
        zeros = np.zeros(len(X), dtype=np.float32)
        self._fit(X, zeros, zeros, 0, {}, groups, callbacks)
        self.threshold_ = float(np.quantile(self.reconstruction_error(X), 0.95))
        return self

    def _forward(self, net: nn.Module, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return masked_mse(net(x, mask), x, mask)

    @property
    def offset_(self) -> float:  # type: ignore[override]
        """``score_samples`` at the threshold: minus the threshold error."""
        return -self.threshold_

    def reconstruction_error(self, X: pd.DataFrame) -> np.ndarray:
        """Mean squared reconstruction error (standardised channels) a recording, >= 0."""
        return torch.cat(self._outputs(X)).numpy().astype(float)

    def score_samples(self, X: pd.DataFrame) -> np.ndarray:
        """scikit-learn's one-class convention: higher is more normal (minus the error)."""
        return -self.reconstruction_error(X)

    def is_anomaly(self, X: pd.DataFrame) -> np.ndarray:
        """Above the 95th percentile of the training (correct) recordings' errors."""
        return self.reconstruction_error(X) > self.threshold_

    def auroc(self, X: pd.DataFrame, anomalous: np.ndarray) -> float:
        """Area under the ROC curve of the error for ``anomalous`` (True = incorrect)."""
        return float(roc_auc_score(np.asarray(anomalous, dtype=bool), self.reconstruction_error(X)))
