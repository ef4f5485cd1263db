"""One-class model for exercises: an LSTM autoencoder trained on correct repetitions only.

A repetition is squeezed through a ``latent``-sized bottleneck and rebuilt frame
by frame; what the model never saw (an incorrect execution) rebuilds worse, so
the reconstruction error is the anomaly score. Same estimator contract as the
other models: ``fit(X, y)`` keeps the rows labelled ``normal_label`` (or all
rows when ``y`` is None), ``predict(X)`` returns the anomaly score (>= 0,
larger = further from the correct executions), ``auroc`` scores a labelled set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

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


class SequenceAutoencoder(SequenceEstimator):
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

    @property
    def normal_(self) -> int:
        """The label of a correct execution: ``normal_label``, else ``min_label``."""
        return self.min_label if self.normal_label is None else self.normal_label

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
        self.threshold_ = float(np.quantile(self.predict(X), 0.95))
        return self

    def _forward(self, net: nn.Module, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return masked_mse(net(x, mask), x, mask)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Anomaly score: mean squared reconstruction error (standardised channels) a recording."""
        return torch.cat(self._outputs(X)).numpy().astype(float)

    def score_samples(self, X: pd.DataFrame) -> np.ndarray:
        """scikit-learn's one-class convention: higher is more normal."""
        return -self.predict(X)

    @property
    def abnormal_(self) -> int:
        """The label a flagged recording gets: the end of the scale away from ``normal_``."""
        return self.max_label if self.normal_ == self.min_label else self.min_label

    def is_anomaly(self, X: pd.DataFrame) -> np.ndarray:
        """Above the 95th percentile of the training (correct) recordings' scores."""
        return self.predict(X) > self.threshold_

    def decide(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """The anomaly score over the threshold (1 = the threshold, so models fitted on
        different folds share a scale) and the decision: ``normal_`` up to the threshold,
        ``abnormal_`` above, NaN where the score is NaN. Evaluation and scoring both use it.
        Meant for correct/incorrect labels; on a 0-4 scale a flagged recording gets the far
        end, so MAE and QWK say little there."""
        raw = self.predict(X)
        label = np.where(raw > self.threshold_, self.abnormal_, self.normal_).astype(float)
        label[~np.isfinite(raw)] = np.nan
        return raw / self.threshold_, label

    def auroc(self, X: pd.DataFrame, anomalous: np.ndarray) -> float:
        """Area under the ROC curve of the anomaly score for ``anomalous`` (True = incorrect)."""
        return float(roc_auc_score(np.asarray(anomalous, dtype=bool), self.predict(X)))
