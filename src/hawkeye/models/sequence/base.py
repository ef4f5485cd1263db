"""What the sequence estimators share: inputs from the table, weights, fine-tuning, inference.

After ``fit`` an estimator holds only numpy arrays and plain values (``state_``,
``mean_``, ``std_``, ``net_args_``), so it pickles without torch state and
the network is rebuilt from them for each ``predict``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from torch import nn

from hawkeye.models.sequence.augment import Augment
from hawkeye.models.sequence.data import (
    AugmentedDataset,
    SequenceDataset,
    channel_stats,
    collate,
    fit_length,
    load_recordings,
    subject_holdout,
)
from hawkeye.models.sequence.names import resolve_params
from hawkeye.models.sequence.trainer import pick_device, train

log = logging.getLogger(__name__)
# Parameters that change where or how fast a run goes, not what it computes.
_NOT_IN_KEY = ("checkpoint_dir", "checkpoint_every", "device", "num_workers")
# Keys added after checkpoints existed: in the key only when set, so older runs still resume.
_KEY_WHEN_SET = {
    "scale": "body",
    "view": "none",
    **dict.fromkeys(("augment_rotation", "augment_scale", "augment_crop", "augment_warp"), 0.0),
}


def load_init(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Network weights and metadata from ``save_weights`` output or a Lightning checkpoint."""
    ckpt = torch.load(Path(path), map_location="cpu", weights_only=True)
    state = ckpt.get("state_dict", ckpt)
    if any(k.startswith("net.") for k in state):  # a LightningModule's checkpoint
        state = {k[4:]: v for k, v in state.items() if k.startswith("net.")}
    return state, dict(ckpt.get("hawkeye", {}))


def load_matching(net: nn.Module, state: dict[str, torch.Tensor]) -> list[str]:
    """Copy the tensors whose name and shape match (a new head may differ); return skipped."""
    own = net.state_dict()
    usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    if not usable:
        raise ValueError("init_checkpoint has no tensor that fits this network (other arch?)")
    net.load_state_dict(usable, strict=False)
    return sorted(set(own) - set(usable))


class SequenceEstimator(BaseEstimator):
    """Base class; subclasses set ``arch``, ``params``, ``random_state`` and the task."""

    task = "regression"

    def _build_net(self, in_dim: int, out_dim: int, p: dict[str, Any]) -> nn.Module:
        raise NotImplementedError

    def _arrays(self, X: pd.DataFrame, p: dict[str, Any]) -> list[np.ndarray]:
        return self._read(X, p)[0]

    def _read(self, X: pd.DataFrame, p: dict[str, Any]) -> tuple[list[np.ndarray], list[str]]:
        """The recordings at most ``max_len`` frames long, and their joint layouts."""
        raw, layouts = load_recordings(
            X, p["velocity"], p["acceleration"], p["centre"], p["scale"], p["view"]
        )
        return [fit_length(a, p["max_len"], p["length_policy"]) for a in raw], layouts

    @property
    def _graph_net(self) -> bool:
        """Whether the net convolves over the layout's bone graph (then one layout only)."""
        return False

    def _graph_args(self, layouts: list[str]) -> dict[str, Any]:
        """What a graph net is rebuilt from (in ``net_args_``): its layout, joints, bones."""
        if not self._graph_net:
            return {}
        from hawkeye.models.sequence.stgcn import layout_graph

        found = sorted(set(layouts))
        if len(found) != 1:
            raise ValueError(
                f"{getattr(self, 'arch', 'a graph net')} reads one joint layout a model; the "
                f"recordings have {found}: train one model per layout"
            )
        graph = layout_graph(found[0])
        return {
            "layout": graph.layout,
            "joints": graph.joints,
            "parents": list(graph.parents),
            "centre": list(graph.centre),
            "graph": "bones" if graph.has_bones else "fully connected",
        }

    def _check_layouts(self, layouts: list[str]) -> None:
        """A graph net scores recordings of the layout it was trained on only."""
        trained = getattr(self, "net_args_", {}).get("layout")
        if trained is not None and set(layouts) - {trained}:
            other = sorted(set(layouts) - {trained})
            raise ValueError(f"this model was trained on layout {trained}, not {other}")

    def _adjacency(self) -> np.ndarray:
        """The trained graph net's adjacency, rebuilt from ``net_args_``."""
        from hawkeye.models.sequence.stgcn import adjacency

        a = self.net_args_
        return adjacency(a["joints"], a["parents"], a["centre"])

    def _scaled(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        return [(a - self.mean_) / self.std_ for a in arrays]

    def _key(self, X: pd.DataFrame, y: np.ndarray, groups: np.ndarray, p: dict[str, Any]) -> str:
        """What decides a run's result: its checkpoint folder's name."""
        what = {
            "class": type(self).__name__,
            "arch": getattr(self, "arch", None),
            "mode": getattr(self, "mode", None),
            "seed": self.random_state,
            "params": {
                k: v
                for k, v in p.items()
                if k not in _NOT_IN_KEY and (k not in _KEY_WHEN_SET or v != _KEY_WHEN_SET[k])
            },
            "source": [str(s) for s in X["source"]],
            "y": np.asarray(y).tolist(),
            "groups": [str(g) for g in groups],
        }
        return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()

    def _fit(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        targets: np.ndarray,
        out_dim: int,
        module_kwargs: dict[str, Any],
        groups: Sequence | None,
        callbacks: Sequence,
    ) -> None:
        """Split off validation subjects, standardise, build (or fine-tune) the net, train."""
        from hawkeye.models.sequence.module import SequenceModule  # Lightning: import on use

        p = resolve_params(self.params)
        arrays, layouts = self._read(X, p)
        if groups is None and "subject_id" in X.columns:
            groups = X["subject_id"].to_numpy()
        if groups is None:
            log.warning("no subject_id: validation holds out single recordings, not subjects")
            groups = np.arange(len(X))
        groups = np.asarray(groups)
        tr, va = subject_holdout(groups, p["val_fraction"], self.random_state)
        init_state, meta = load_init(p["init_checkpoint"]) if p["init_checkpoint"] else ({}, {})
        in_dim = arrays[0].shape[1]
        if "mean" in meta and len(meta["mean"]) == in_dim:  # fine-tune: keep its input scaling
            self.mean_, self.std_ = np.asarray(meta["mean"]), np.asarray(meta["std"])
        else:
            self.mean_, self.std_ = channel_stats([arrays[i] for i in tr])
        scaled = self._scaled(arrays)
        self.net_args_ = {"in_dim": in_dim, "out_dim": out_dim, **self._graph_args(layouts)}
        meta_out = self._meta()

        def make_module() -> SequenceModule:
            net = self._build_net(in_dim, out_dim, p)
            if init_state:
                skipped = load_matching(net, init_state)
                log.info("fine-tuning from %s (new: %s)", p["init_checkpoint"], skipped or "none")
            module = SequenceModule(
                net, self.task, p["lr"], p["weight_decay"], p["warmup"], **module_kwargs
            )
            module.meta = meta_out
            return module

        def subset(idx: np.ndarray) -> SequenceDataset:
            return SequenceDataset([scaled[i] for i in idx], targets[idx])

        augment = Augment.from_params(p, layouts)
        train_set: SequenceDataset | AugmentedDataset = subset(tr)
        if augment.active:  # the training side only: validation and predictions never
            raw = [arrays[i] for i in tr]
            train_set = AugmentedDataset(
                raw, targets[tr], augment, self.mean_, self.std_, self.random_state
            )

        run_dir = (
            Path(p["checkpoint_dir"]) / self._key(X, y, groups, p)[:16]
            if p["checkpoint_dir"]
            else None
        )
        state, info = train(
            make_module,
            train_set,
            subset(va) if len(va) else None,
            p,
            self.random_state,
            run_dir,
            callbacks,
        )
        self.state_ = {k: v.numpy() for k, v in state.items()}
        self.fit_info_ = {**info, "val_subjects": len(np.unique(groups[va]))}
        self.feature_names_in_ = np.asarray(
            [c for c in ("source", "layout", "fps") if c in X.columns], dtype=object
        )

    def _meta(self) -> dict[str, Any]:
        """What fine-tuning from this model's weights needs besides the tensors."""
        return {
            "class": type(self).__name__,
            "arch": getattr(self, "arch", "autoencoder"),
            "mean": torch.as_tensor(self.mean_),
            "std": torch.as_tensor(self.std_),
            **self.net_args_,
        }

    def net(self) -> nn.Module:
        """The trained network (rebuilt from ``state_``), in eval mode on the CPU."""
        p = resolve_params(self.params)
        net = self._build_net(self.net_args_["in_dim"], self.net_args_["out_dim"], p)
        net.load_state_dict({k: torch.from_numpy(v) for k, v in self.state_.items()})
        return net.eval()

    def _outputs(self, X: pd.DataFrame, batch_size: int = 64) -> list[torch.Tensor]:
        """The network's raw outputs (on the CPU) a batch, recordings in the table's order."""
        p = resolve_params(self.params)
        arrays, layouts = self._read(X, p)
        self._check_layouts(layouts)
        scaled = self._scaled(arrays)
        data = SequenceDataset(scaled, np.zeros(len(scaled)))
        device = torch.device(pick_device(p["device"]))
        net, out = self.net().to(device), []
        with torch.no_grad():
            for start in range(0, len(data), batch_size):
                x, mask, _ = collate(
                    [data[i] for i in range(start, min(start + batch_size, len(data)))]
                )
                out.append(self._forward(net, x.to(device), mask.to(device)).float().cpu())
        return out

    def _forward(self, net: nn.Module, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return net(x, mask)

    def save_weights(self, path: str | Path) -> Path:
        """Weights and input scaling, for ``params={"init_checkpoint": path}`` (fine-tuning)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {k: torch.from_numpy(v) for k, v in self.state_.items()}
        torch.save({"state_dict": state, "hawkeye": self._meta()}, path)
        return path
