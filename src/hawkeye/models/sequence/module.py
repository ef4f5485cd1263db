"""The LightningModule: loss (class-weighted, mixup, label smoothing), warmup + cosine schedule.

Targets by task: ``regression`` a float ``[B, 2]`` (standardised score, sample
weight from the label's inverse frequency); ``classification`` a class index;
``reconstruction`` (the one-class autoencoder) nothing, the input is the target.
The random number generators travel in the checkpoint, so a resumed run draws
the same dropout masks and mixup pairs as an uninterrupted one.
"""

from __future__ import annotations

import math
import random
from typing import Any

import lightning as L
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

TASKS = ("regression", "classification", "reconstruction")


def warmup_cosine(step: int, total: int, warmup: int) -> float:
    """Learning-rate factor: linear from 1/warmup to 1, then cosine down to 0 at ``total``."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))


def masked_mse(recon: torch.Tensor, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean squared error a recording, over its real frames only: ``[B]``."""
    err = ((recon - x) ** 2).mean(dim=2) * mask
    return err.sum(dim=1) / mask.sum(dim=1).clamp(min=1)


class SequenceModule(L.LightningModule):
    def __init__(
        self,
        net: nn.Module,
        task: str,
        lr: float,
        weight_decay: float,
        warmup: float,
        class_weights: np.ndarray | None = None,
        label_smoothing: float = 0.0,
        mixup: float = 0.0,
    ) -> None:
        super().__init__()
        if task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {task!r}")
        self.net, self.task = net, task
        self.lr, self.weight_decay, self.warmup = lr, weight_decay, warmup
        self.label_smoothing, self.mixup = label_smoothing, mixup
        weights = None if class_weights is None else torch.as_tensor(class_weights).float()
        self.register_buffer("class_weights", weights, persistent=False)
        self.meta: dict[str, Any] = {}  # saved with every checkpoint: what fine-tuning needs

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.net(x, mask)

    def _mix(
        self, x: torch.Tensor, mask: torch.Tensor, y: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Mixup: convex combinations of recordings and of their targets."""
        lam = float(np.random.beta(self.mixup, self.mixup))
        perm = torch.randperm(len(x), device=x.device)
        if self.task == "classification":
            n = self.net.head.out_features
            y = F.one_hot(y.long(), n).float()
        y = lam * y + (1 - lam) * y[perm]
        return lam * x + (1 - lam) * x[perm], mask | mask[perm], y

    def loss(
        self, x: torch.Tensor, mask: torch.Tensor, y: torch.Tensor, train: bool
    ) -> torch.Tensor:
        if self.task == "reconstruction":
            return masked_mse(self.net(x, mask), x, mask).mean()
        if train and self.mixup > 0:
            x, mask, y = self._mix(x, mask, y)
        out = self.net(x, mask).float()
        if self.task == "regression":
            err = (out.squeeze(-1) - y[:, 0]) ** 2
            return (err * y[:, 1]).sum() / y[:, 1].sum()
        smoothing = self.label_smoothing if train else 0.0
        target = y if y.is_floating_point() else y.long()
        return F.cross_entropy(out, target, weight=self.class_weights, label_smoothing=smoothing)

    def training_step(self, batch, batch_idx):
        loss = self.loss(*batch, train=True)
        self.log("train_loss", loss, on_step=False, on_epoch=True, batch_size=len(batch[0]))
        return loss

    def validation_step(self, batch, batch_idx):
        loss = self.loss(*batch, train=False)
        self.log("val_loss", loss, on_step=False, on_epoch=True, batch_size=len(batch[0]))

    def configure_optimizers(self) -> dict[str, Any]:
        opt = torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        total = max(1, int(self.trainer.estimated_stepping_batches))
        warm = int(self.warmup * total)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda step: warmup_cosine(step, total, warm)
        )
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["hawkeye"] = self.meta
        checkpoint["hawkeye_rng"] = {
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "numpy": _numpy_state(),
            "python": random.getstate(),
        }

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        rng = checkpoint.get("hawkeye_rng")
        if not rng:
            return
        torch.set_rng_state(rng["torch"])
        if rng["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])
        name, keys, pos, has_gauss, cached = rng["numpy"]
        np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
        random.setstate(rng["python"])


def _numpy_state() -> tuple:
    """numpy's global state with a tensor for its keys: loadable with ``weights_only=True``."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return (name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached))
