"""ST-GCN: spatio-temporal graph convolutions over a joint layout's bones (Yan et al., 2018).

A recording's motion channels are ``[time, joints, channels]``
(:func:`hawkeye.features.motion.motion_channels`), flattened joint by joint to
``[time, joints * channels]`` by :mod:`hawkeye.models.sequence.data`; the network folds
them back and convolves over the skeleton graph at each frame, then over time at each
joint.

**The graph.** :func:`layout_graph` reads the layout's bone tree
(:class:`hawkeye.landmarks.sequence.JointLayout` ``parents``) and its centre: the
layout's ``root`` joints plus the root of every bone tree (a joint whose parent is -1).
:func:`adjacency` then builds ST-GCN's *spatial* partition: each joint's neighbourhood
(itself and the joints one bone away) is normalised as a whole, every neighbour weighing
``1 / (neighbourhood size)``, then split in three subsets by hop distance to the centre:

- ``A[0]``: the joint itself (and any neighbour as far from the centre as it is);
- ``A[1]``: the neighbours nearer the centre (centripetal);
- ``A[2]``: the neighbours farther from it (centrifugal).

``A[k, v, w]`` is the weight of joint ``v``'s features in joint ``w``'s output, so every
column of ``A.sum(0)`` sums to 1. A layout that declares no bones gets a fully connected
graph in two subsets, the joint itself and every other joint (``1 / joints`` each), and a
warning that says so; each block's learned edge importance then weighs every pair, so
the net learns which joints inform which.

**Padding.** As in :mod:`hawkeye.models.sequence.nets`: the graph convolution is per
frame, the temporal convolutions are centred with padded frames re-zeroed before each,
the normalisation is a LayerNorm over each (frame, joint)'s channels (no batch
statistics), and pooling averages the valid frames only, so padding never changes a
recording's output.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LayoutGraph:
    """A layout's bone tree as the net reads it: ``parents`` empty when it declares none."""

    layout: str
    joints: int
    parents: tuple[int, ...]
    centre: tuple[int, ...]

    @property
    def has_bones(self) -> bool:
        return any(p >= 0 for p in self.parents)


def layout_graph(layout: str) -> LayoutGraph:
    """The registered layout's bones and centre (warns when it has no bones)."""
    from hawkeye.landmarks.sequence import LAYOUTS, _ensure_layouts

    if layout not in LAYOUTS:
        _ensure_layouts()
    if layout not in LAYOUTS:
        raise ValueError(f"unknown joint layout {layout!r}; known: {sorted(LAYOUTS)}")
    spec = LAYOUTS[layout]
    parents = tuple(int(p) for p in spec.parents)
    roots = {i for i, p in enumerate(parents) if p < 0}
    graph = LayoutGraph(layout, spec.joints, parents, tuple(sorted(set(spec.root or ()) | roots)))
    if not graph.has_bones:
        log.warning(
            "layout %s declares no bones: stgcn uses a fully connected graph of its %d joints "
            "(self and all others; edge importances learnt). register_layout(..., parents=...) "
            "or a declared dataset.layout with bones gives it the skeleton",
            layout,
            spec.joints,
        )
    return graph


def _hops(joints: int, parents: Sequence[int], centre: Sequence[int]) -> np.ndarray:
    """Bone hops from each joint to the nearest centre joint (inf: not connected to one)."""
    neighbours: list[list[int]] = [[] for _ in range(joints)]
    for child, parent in enumerate(parents):
        if parent >= 0:
            neighbours[child].append(parent)
            neighbours[parent].append(child)
    hops = np.full(joints, np.inf)
    frontier = [c for c in centre if 0 <= c < joints]
    hops[frontier] = 0
    while frontier:
        nxt = []
        for here in frontier:
            for there in neighbours[here]:
                if hops[there] == np.inf:
                    hops[there] = hops[here] + 1
                    nxt.append(there)
        frontier = nxt
    return hops


def adjacency(joints: int, parents: Sequence[int] = (), centre: Sequence[int] = ()) -> np.ndarray:
    """float32 ``[K, joints, joints]``: ST-GCN's spatial partition (K = 3) of the bone graph,
    or, without bones, the fully connected graph as self and others (K = 2). See the module
    docstring; ``A[k, v, w]`` is how much joint ``v`` feeds joint ``w``."""
    if joints <= 0:
        raise ValueError(f"a graph needs joints, got {joints}")
    parents = list(parents)
    if parents and len(parents) != joints:
        raise ValueError(f"{len(parents)} parents for {joints} joints")
    if not any(p >= 0 for p in parents):  # no bones: everyone is everyone's neighbour
        eye = np.eye(joints)
        return (np.stack([eye, 1.0 - eye]) / joints).astype(np.float32)
    if any(p >= joints for p in parents):
        raise ValueError(f"a parent index is out of range for {joints} joints: {parents}")
    linked = np.eye(joints)
    for child, parent in enumerate(parents):
        if parent >= 0:
            linked[child, parent] = linked[parent, child] = 1.0
    normalised = linked / linked.sum(axis=0, keepdims=True)  # column w: w's neighbourhood
    hops = _hops(joints, parents, centre)
    source, target = hops[:, None], hops[None, :]  # v (row) feeds w (column)
    same = np.isclose(source, target) | (np.isinf(source) & np.isinf(target))
    nearer = ~same & (source < target)
    farther = ~same & ~nearer
    parts = [normalised * m for m in (same, nearer, farther)]
    return np.stack(parts).astype(np.float32)


class STGCNBlock(nn.Module):
    """Graph convolution (one linear map a subset, summed through ``A * importance``), then
    a dilated temporal convolution, with a residual connection.

    Channels last, ``[B, T, J, C]``: the subsets' maps are one linear layer and the graph
    mix one matrix product over (joint, subset), so only the temporal convolution
    transposes (on the CPU the block runs about twice as fast as channels first).
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        graph: torch.Tensor,
        kernel_size: int,
        dilation: int,
        dropout: float,
    ) -> None:
        super().__init__()
        self.subsets, self.joints = int(graph.shape[0]), int(graph.shape[-1])
        self.register_buffer("graph", graph, persistent=False)  # rebuilt from the layout
        self.importance = nn.Parameter(torch.ones_like(graph))  # ST-GCN's edge importance
        self.gcn = nn.Linear(in_ch, out_ch * self.subsets)  # output features (subset, channel)
        self.norm1 = nn.LayerNorm(out_ch)  # each (frame, joint)'s channels: no batch statistics
        pad = (kernel_size - 1) // 2 * dilation
        self.tcn = nn.Conv2d(
            out_ch, out_ch, (kernel_size, 1), padding=(pad, 0), dilation=(dilation, 1)
        )
        self.norm2 = nn.LayerNorm(out_ch)
        self.dropout = nn.Dropout(dropout)
        self.skip = nn.Identity() if in_ch == out_ch else nn.Linear(in_ch, out_ch)

    def mix(self) -> torch.Tensor:
        """``[w, (v, k)]``: joint w's weights over joint v's features in subset k."""
        a = self.graph * self.importance  # [k, v, w]
        return a.permute(2, 1, 0).reshape(self.joints, self.joints * self.subsets)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """``x [B, T, J, C]`` (padded frames zero), ``keep [B, T, 1, 1]``."""
        b, t, j, _ = x.shape
        y = self.gcn(x).view(b * t, j * self.subsets, -1)  # rows (joint, subset)
        h = torch.matmul(self.mix(), y).view(b, t, j, -1)
        h = F.relu(self.norm1(h)) * keep
        h = self.tcn(self.dropout(h).permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return F.relu(self.norm2(h) + self.skip(x)) * keep


class STGCN(nn.Module):
    """``layers`` ST-GCN blocks of ``hidden`` channels (temporal dilations 1, 2, 4, ...), a
    mean over valid frames and joints, a linear head (regression: 1 output)."""

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        hidden: int,
        layers: int,
        dropout: float,
        kernel_size: int,
        adjacency: np.ndarray | None = None,
        **_,
    ) -> None:
        super().__init__()
        if adjacency is None:
            raise ValueError("stgcn needs the layout's adjacency (SequenceModel builds it)")
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        graph = torch.as_tensor(np.asarray(adjacency), dtype=torch.float32)
        self.joints = int(graph.shape[-1])
        if in_dim % self.joints:
            raise ValueError(f"stgcn: {in_dim} input features are not {self.joints} joints' worth")
        self.channels = in_dim // self.joints
        dims = [self.channels] + [hidden] * max(1, layers)
        self.blocks = nn.ModuleList(
            STGCNBlock(a, b, graph, kernel_size, 2**i, dropout)
            for i, (a, b) in enumerate(pairwise(dims))
        )
        self.head = nn.Linear(hidden, out_dim)

    def encode(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        keep = mask[:, :, None, None].to(x.dtype)
        # [B, T, J * C] (joint-major, as data.load_arrays flattens) -> [B, T, J, C]
        h = x.reshape(b, t, self.joints, self.channels) * keep
        for block in self.blocks:
            h = block(h, keep)
        frames = mask.sum(dim=1).clamp(min=1).to(h.dtype)
        return h.sum(dim=(1, 2)) / (frames[:, None] * self.joints)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.encode(x, mask))
