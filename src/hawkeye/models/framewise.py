"""Frame-wise sequence nets: one label a frame (action segmentation), in plain torch.

Two heads over a recording's motion channels (:func:`hawkeye.features.motion.motion_channels`
of ``formats.load_recording(row)``, joints x channels flattened, standardised over the
training frames):

- ``mstcn``: a multi-stage temporal convolutional network (Farha & Gall, CVPR 2019): each
  stage is a 1x1 convolution, ``layers`` dilated residual layers (kernel 3, dilation
  ``2**i``, non-causal) and a 1x1 classifier; stages after the first read the previous
  stage's class probabilities and refine them. The loss is the weighted cross-entropy of
  every stage plus ``smoothing`` times MS-TCN's truncated MSE between the log-probabilities
  of neighbouring frames (tau = 4);
- ``bigru``: a bidirectional GRU (``layers`` deep) with a linear classifier a frame.

The contract (the registry's ``frame-wise`` kind): ``fit(X, y_frames)`` returns the model,
``predict(X)`` gives one int array of class indices a recording, ``predict_proba(X)``
one ``[frames, classes]`` array a recording, ``predict_segments(X)`` the smoothed runs
as ``[{start, end, label}]`` (background left out, frames, end exclusive). ``X`` is a
list of float arrays ``[frames, channels]`` or a frame of manifest rows (each read with
``formats.load_recording``); with rows, ``y_frames=None`` reads the targets from their
``segments`` column (:mod:`hawkeye.segments`, class 0 the background). The training is
full-batch over padded recordings (or, with ``chunk``, over windows of that many frames
cut from a new random offset each epoch, ``batch_size`` windows a step: far cheaper for
the GRU, whose steps are sequential), seeded, on the CPU unless ``device`` says otherwise.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from sklearn.base import BaseEstimator
from torch import nn
from torch.nn import functional as F

from hawkeye import segments as seg
from hawkeye.models.framewise_params import (
    ARCHITECTURE_DEFAULTS,
    ARCHITECTURES,
    DEFAULTS,
    FRAME_WISE,
    check_params,
)

if TYPE_CHECKING:
    import pandas as pd

    from hawkeye.config import ModelConfig


class _DilatedResidual(nn.Module):
    def __init__(self, dilation: int, channels: int, dropout: float) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation)
        self.out = nn.Conv1d(channels, channels, 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return (x + self.dropout(self.out(F.relu(self.conv(x))))) * mask


class _Stage(nn.Module):
    def __init__(self, layers: int, hidden: int, n_in: int, n_classes: int, dropout: float):
        super().__init__()
        self.inp = nn.Conv1d(n_in, hidden, 1)
        self.layers = nn.ModuleList(_DilatedResidual(2**i, hidden, dropout) for i in range(layers))
        self.out = nn.Conv1d(hidden, n_classes, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.inp(x) * mask
        for layer in self.layers:
            h = layer(h, mask)
        return self.out(h) * mask


class MSTCN(nn.Module):
    """Stages of dilated residual convolutions; [batch, channels, T] -> [stages, batch, C, T]."""

    def __init__(self, n_in: int, n_classes: int, hidden: int, stages: int, layers: int, dropout):
        super().__init__()
        self.first = _Stage(layers, hidden, n_in, n_classes, dropout)
        self.rest = nn.ModuleList(
            _Stage(layers, hidden, n_classes, n_classes, dropout) for _ in range(stages - 1)
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        out = self.first(x, mask)
        outputs = [out]
        for stage in self.rest:
            out = stage(F.softmax(out, dim=1) * mask, mask)
            outputs.append(out)
        return torch.stack(outputs)


class BiGRU(nn.Module):
    """A bidirectional GRU a frame; [batch, channels, T] -> [1, batch, C, T]."""

    def __init__(self, n_in: int, n_classes: int, hidden: int, layers: int, dropout: float):
        super().__init__()
        self.gru = nn.GRU(
            n_in,
            hidden,
            num_layers=layers,
            batch_first=True,
            bidirectional=True,
            dropout=dropout if layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(2 * hidden, n_classes)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = nn.utils.rnn.pack_padded_sequence(
            x.transpose(1, 2), lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        h, _ = self.gru(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=x.shape[2])
        logits = self.out(self.dropout(h)).transpose(1, 2) * mask
        return logits[None]


def motion_inputs(
    rows: pd.DataFrame,
    velocity: bool,
    acceleration: bool,
    centre: str,
    scale: str = "body",
    view: str = "none",
):
    """One float32 ``[frames, joints * channels]`` array a manifest row (NaN set to 0)."""
    from hawkeye.data import formats
    from hawkeye.features.motion import motion_channels

    out = []
    for _, row in rows.iterrows():
        seq = formats.load_recording(row)
        channels = motion_channels(seq, velocity, acceleration, centre, scale, view)
        out.append(np.nan_to_num(channels.reshape(len(channels), -1), nan=0.0))
    return out


class FramewiseModel(BaseEstimator):
    """A frame-wise net (``mstcn`` or ``bigru``) under the frame-wise contract (module doc)."""

    _model_kind = FRAME_WISE

    def __init__(
        self,
        architecture: str = "mstcn",
        hidden: int = 64,
        stages: int = 4,
        layers: int = 8,
        dropout: float = 0.3,
        lr: float = 5e-3,
        weight_decay: float = 1e-4,
        max_epochs: int = 60,
        class_weight: str = "balanced",
        smoothing: float = 0.15,
        velocity: bool = True,
        acceleration: bool = False,
        centre: str = "frame",
        scale: str = "body",
        view: str = "none",
        smooth_window: int = 1,
        min_segment: int = 1,
        background: str = "background",
        device: str = "cpu",
        threads: int | None = None,
        chunk: int | None = None,
        batch_size: int | None = None,
        seed: int = 0,
        classes: Sequence[str] | None = None,
    ) -> None:
        self.architecture = architecture
        self.hidden = hidden
        self.stages = stages
        self.layers = layers
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.class_weight = class_weight
        self.smoothing = smoothing
        self.velocity = velocity
        self.acceleration = acceleration
        self.centre = centre
        self.scale = scale
        self.view = view
        self.smooth_window = smooth_window
        self.min_segment = min_segment
        self.background = background
        self.device = device
        self.threads = threads
        self.chunk = chunk
        self.batch_size = batch_size
        self.seed = seed
        self.classes = classes

    # ------------------------------------------------------------------ inputs and targets

    def _arrays(self, X: Any) -> list[np.ndarray]:
        if hasattr(X, "iterrows"):
            return motion_inputs(
                X, self.velocity, self.acceleration, self.centre, self.scale, self.view
            )
        arrays = [np.asarray(x, dtype=np.float32) for x in X]
        if any(a.ndim != 2 for a in arrays):
            raise ValueError("each recording must be a [frames, channels] array")
        return arrays

    def _targets(self, X: Any, y: Sequence[np.ndarray] | None, lengths: list[int]):
        if y is None:
            if not hasattr(X, "iterrows"):
                raise ValueError("y_frames is needed unless X is manifest rows with segments")
            spans = [seg.row_segments(row) for _, row in X.iterrows()]
            names = list(self.classes or seg.class_names(spans, self.background))
            y = [seg.frame_targets(s, n, names) for s, n in zip(spans, lengths, strict=True)]
        else:
            if any(np.ndim(t) != 1 for t in y):
                raise ValueError(
                    "a frame-wise model takes one target array a recording (a label a frame), "
                    "not one label a recording; the pipeline's train step cannot fit it yet "
                    "(see benchmarks/utkinect_segments.py)"
                )
            y = [np.asarray(t, dtype=np.int64) for t in y]
            top = max(int(t.max()) for t in y if len(t)) + 1
            names = list(self.classes) if self.classes else [str(i) for i in range(top)]
        for t, n in zip(y, lengths, strict=True):
            if len(t) != n:
                raise ValueError(f"a recording has {n} frames but {len(t)} targets")
        return y, names

    # ------------------------------------------------------------------ the net

    def _net(self, n_in: int, n_classes: int) -> nn.Module:
        if self.architecture == "mstcn":
            return MSTCN(n_in, n_classes, self.hidden, self.stages, self.layers, self.dropout)
        if self.architecture == "bigru":
            return BiGRU(n_in, n_classes, self.hidden, self.layers, self.dropout)
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {self.architecture!r}")

    def net(self) -> nn.Module:
        """The trained network, rebuilt from ``state_``, in eval mode on ``device``."""
        net = self._net(*self.net_shape_)
        net.load_state_dict({k: torch.from_numpy(v) for k, v in self.state_.items()})
        return net.to(self.device).eval()

    def _batch(self, arrays: list[np.ndarray], targets: list[np.ndarray] | None = None):
        """Padded ``x [B, channels, T]`` (standardised), ``mask [B, 1, T]``, lengths, and the
        targets ``[B, T]`` (-100 on padding) when given."""
        lengths = torch.tensor([len(a) for a in arrays])
        T = int(lengths.max())
        x = torch.zeros(len(arrays), arrays[0].shape[1], T)
        for i, a in enumerate(arrays):
            x[i, :, : len(a)] = torch.from_numpy((a - self.mean_) / self.std_).T
        mask = (torch.arange(T)[None] < lengths[:, None]).float()[:, None]
        y = None
        if targets is not None:
            y = torch.full((len(arrays), T), -100, dtype=torch.long)
            for i, t in enumerate(targets):
                y[i, : len(t)] = torch.from_numpy(t)
            y = y.to(self.device)
        return x.to(self.device), mask.to(self.device), lengths, y

    def _windows(self, arrays: list[np.ndarray], targets: list[np.ndarray], rng):
        """Each recording cut into ``chunk``-frame windows from a random offset (all frames
        kept: the head before the offset is a window too)."""
        if not self.chunk:
            return arrays, targets
        xs, ys = [], []
        for a, t in zip(arrays, targets, strict=True):
            offset = int(rng.integers(0, min(self.chunk, len(a))))
            cuts = [0, *range(offset or self.chunk, len(a), self.chunk), len(a)]
            for lo, hi in itertools.pairwise(cuts):
                if hi > lo:
                    xs.append(a[lo:hi])
                    ys.append(t[lo:hi])
        return xs, ys

    def fit(self, X: Any, y_frames: Sequence[np.ndarray] | None = None) -> FramewiseModel:
        arrays = self._arrays(X)
        if not arrays:
            raise ValueError("no recording to fit")
        targets, names = self._targets(X, y_frames, [len(a) for a in arrays])
        self.classes_ = np.array(names, dtype=object)
        n_classes = len(names)
        frames = np.concatenate(arrays)
        self.mean_ = frames.mean(axis=0).astype(np.float32)
        self.std_ = (frames.std(axis=0) + 1e-6).astype(np.float32)
        self.n_features_in_ = frames.shape[1]
        weights = seg.class_weights(targets, n_classes, self.class_weight)
        # Training frames a class: the majority-class baseline of the same fold reads it.
        self.class_counts_ = np.bincount(np.concatenate(targets), minlength=n_classes)
        rng = np.random.default_rng(self.seed)
        with _threads(self.threads):
            torch.manual_seed(self.seed)
            net = self._net(frames.shape[1], n_classes).to(self.device)
            batch = self._batch(arrays, targets)
            loss_fn = nn.CrossEntropyLoss(weight=torch.from_numpy(weights).to(self.device))
            optimiser = torch.optim.Adam(
                net.parameters(), lr=self.lr, weight_decay=self.weight_decay
            )
            self.loss_curve_ = []
            net.train()
            for _ in range(self.max_epochs):
                batches = [batch]
                if self.chunk:
                    xs, ys = self._windows(arrays, targets, rng)
                    order = rng.permutation(len(xs))
                    size = self.batch_size or len(xs)
                    batches = [
                        self._batch([xs[i] for i in part], [ys[i] for i in part])
                        for part in np.array_split(order, max(1, -(-len(xs) // size)))
                    ]
                for x, mask, lengths, y in batches:
                    optimiser.zero_grad()
                    outputs = net(x, mask, lengths)
                    loss = sum(self._loss(out, y, mask, loss_fn) for out in outputs)
                    loss.backward()
                    optimiser.step()
                self.loss_curve_.append(float(loss.detach()))
        # Plain arrays, not the module: skops (the registry's safe format) cannot save torch
        # objects, and weights as numpy load anywhere; net() rebuilds the network from them.
        self.net_shape_ = (int(frames.shape[1]), int(n_classes))
        self.state_ = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
        return self

    def _loss(self, logits: torch.Tensor, y: torch.Tensor, mask: torch.Tensor, loss_fn) -> Any:
        loss = loss_fn(logits.transpose(1, 2).reshape(-1, logits.shape[1]), y.reshape(-1))
        if self.smoothing and self.architecture == "mstcn" and logits.shape[2] > 1:
            logp = F.log_softmax(logits, dim=1)
            diff = (logp[:, :, 1:] - logp.detach()[:, :, :-1]) ** 2
            both = mask[:, :, 1:] * mask[:, :, :-1]
            tmse = (torch.clamp(diff, 0, 16) * both).sum() / (both.sum() * logits.shape[1])
            loss = loss + self.smoothing * tmse
        return loss

    # ------------------------------------------------------------------ predictions

    def predict_proba(self, X: Any) -> list[np.ndarray]:
        """One float ``[frames, classes]`` array a recording (the last stage's softmax)."""
        arrays = self._arrays(X)
        out = []
        with _threads(self.threads), torch.no_grad():
            net = self.net()
            for a in arrays:  # one at a time: no padding for the GRU's backward pass
                x, mask, lengths, _ = self._batch([a])
                probs = F.softmax(net(x, mask, lengths)[-1], dim=1)[0].T
                out.append(probs.cpu().numpy())
        return out

    def predict(self, X: Any) -> list[np.ndarray]:
        """One int array of class indices (into ``classes_``) a recording, unsmoothed."""
        return [p.argmax(axis=1).astype(np.int64) for p in self.predict_proba(X)]

    def predict_smoothed(self, X: Any) -> list[np.ndarray]:
        """:meth:`predict` with ``smooth_window`` / ``min_segment`` applied."""
        return [seg.smooth(p, self.smooth_window, self.min_segment) for p in self.predict(X)]

    def predict_segments(self, X: Any, fps: Sequence[float] | None = None) -> list[list[dict]]:
        """The smoothed runs of each recording as ``[{start, end, label}]``, background out."""
        rates = fps if fps is not None else [None] * len(X)
        return [
            seg.to_segments(p, list(self.classes_), background=0, fps=r)
            for p, r in zip(self.predict_smoothed(X), rates, strict=True)
        ]


class _threads:
    """Set torch's intra-op threads for a block (None: leave them)."""

    def __init__(self, n: int | None) -> None:
        self.n = n

    def __enter__(self) -> None:
        self.before = torch.get_num_threads()
        if self.n:
            torch.set_num_threads(int(self.n))

    def __exit__(self, *exc: object) -> None:
        torch.set_num_threads(self.before)


def build(architecture: str, params: Mapping[str, Any], seed: int = 0) -> FramewiseModel:
    check_params(dict(params))
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}")
    merged = {**DEFAULTS, **ARCHITECTURE_DEFAULTS[architecture], **params}
    return FramewiseModel(architecture=architecture, **merged, seed=seed)


def from_config(cfg: ModelConfig, task: str, min_label: int, max_label: int) -> FramewiseModel:
    """The registry's builder: ``cfg.name`` is the architecture (``mstcn`` / ``bigru``)."""
    return build(cfg.name, cfg.params, cfg.seed)
