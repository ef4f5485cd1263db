"""Sequence networks over ``[batch, time, features]`` with a ``[batch, time]`` validity mask.

Padding never changes a recording's output: recurrent layers run on packed
sequences, convolutions re-zero the padded frames after every layer (so a
frame near the end sees the same zeros as the unpadded recording would), the
TCN is causal, attention masks padded keys, and pooling ignores padded frames.
Recordings are padded at the end (valid frames first), as ``data.collate`` does.
No batch normalisation: its statistics would see the padding.
"""

from __future__ import annotations

import math
from itertools import pairwise

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from hawkeye.models.sequence.stgcn import STGCN


class AttentionPool(nn.Module):
    """Softmax-weighted mean over valid frames (one learned query)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.score = nn.Linear(dim, 1)

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        logits = self.score(h).squeeze(-1).masked_fill(~mask, float("-inf"))
        return torch.einsum("bt,btd->bd", torch.softmax(logits, dim=1), h)


def run_lstm(lstm: nn.LSTM, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Outputs ``[B, T, D]`` (zeros on padding) and the last layer's final state(s)."""
    lengths = mask.sum(dim=1).clamp(min=1).cpu()
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, (h_n, _) = lstm(packed)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    return out, h_n


class _Net(nn.Module):
    """An encoder to one vector a recording, then a linear head (regression: 1 output)."""

    def __init__(self, dim: int, out_dim: int) -> None:
        super().__init__()
        self.head = nn.Linear(dim, out_dim)

    def encode(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.encode(x, mask))


class LSTMAttention(_Net):
    def __init__(self, in_dim: int, out_dim: int, hidden: int, layers: int, dropout: float, **_):
        super().__init__(hidden, out_dim)
        self.lstm = nn.LSTM(
            in_dim, hidden, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0
        )
        self.pool = AttentionPool(hidden)

    def encode(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.pool(run_lstm(self.lstm, x, mask)[0], mask)


class Transformer(_Net):
    def __init__(
        self, in_dim: int, out_dim: int, hidden: int, layers: int, dropout: float, heads: int, **_
    ):
        super().__init__(hidden, out_dim)
        if hidden % heads:
            raise ValueError(
                f"transformer: hidden ({hidden}) must be a multiple of heads ({heads})"
            )
        self.proj = nn.Linear(in_dim, hidden)
        layer = nn.TransformerEncoderLayer(
            hidden, heads, 2 * hidden, dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.pool = AttentionPool(hidden)

    @staticmethod
    def positions(t: int, dim: int, device: torch.device) -> torch.Tensor:
        pos = torch.arange(t, device=device, dtype=torch.float32)[:, None]
        freq = torch.exp(torch.arange(0, dim, 2, device=device) * (-math.log(1e4) / dim))
        pe = torch.zeros(t, dim, device=device)
        pe[:, 0::2] = torch.sin(pos * freq)
        pe[:, 1::2] = torch.cos(pos * freq[: dim // 2])
        return pe

    def encode(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.proj(x) + self.positions(x.shape[1], self.proj.out_features, x.device)
        h = self.encoder(h, src_key_padding_mask=~mask)
        return self.pool(h, mask)


class ConvFrontEnd(nn.Module):
    """Same-length Conv1D layers; padded frames are re-zeroed after each one."""

    def __init__(self, in_dim: int, hidden: int, layers: int, kernel_size: int, dropout: float):
        super().__init__()
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        dims = [in_dim] + [hidden] * layers
        self.convs = nn.ModuleList(
            nn.Conv1d(a, b, kernel_size, padding=kernel_size // 2) for a, b in pairwise(dims)
        )
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask[:, None, :].to(x.dtype)
        h = x.transpose(1, 2) * keep
        for conv in self.convs:
            h = self.dropout(F.gelu(conv(h))) * keep
        return h.transpose(1, 2)


class ConvLSTM(_Net):
    """Conv1D feature extractor, then an LSTM whose final (last valid frame) state is pooled."""

    def __init__(self, in_dim, out_dim, hidden, layers, dropout, kernel_size, **_) -> None:
        super().__init__(hidden, out_dim)
        self.conv = ConvFrontEnd(in_dim, hidden, 1, kernel_size, dropout)
        self.lstm = nn.LSTM(
            hidden, hidden, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0
        )

    def encode(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return run_lstm(self.lstm, self.conv(x, mask), mask)[1][-1]


class ConvBiLSTM(_Net):
    """Conv1D layers, then a bidirectional LSTM with attention pooling over both directions."""

    def __init__(self, in_dim, out_dim, hidden, layers, dropout, kernel_size, **_) -> None:
        super().__init__(2 * hidden, out_dim)
        self.conv = ConvFrontEnd(in_dim, hidden, 2, kernel_size, dropout)
        self.lstm = nn.LSTM(
            hidden,
            hidden,
            layers,
            batch_first=True,
            bidirectional=True,
            dropout=dropout if layers > 1 else 0.0,
        )
        self.pool = AttentionPool(2 * hidden)

    def encode(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.pool(run_lstm(self.lstm, self.conv(x, mask), mask)[0], mask)


class CausalBlock(nn.Module):
    """Two dilated causal convolutions with a residual connection (Bai et al., 2018)."""

    def __init__(self, in_dim: int, dim: int, kernel_size: int, dilation: int, dropout: float):
        super().__init__()
        self.pad = (kernel_size - 1) * dilation
        self.conv1 = nn.Conv1d(in_dim, dim, kernel_size, dilation=dilation)
        self.conv2 = nn.Conv1d(dim, dim, kernel_size, dilation=dilation)
        self.dropout = nn.Dropout(dropout)
        self.skip = nn.Conv1d(in_dim, dim, 1) if in_dim != dim else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.dropout(F.relu(self.conv1(F.pad(x, (self.pad, 0)))))
        h = self.dropout(F.relu(self.conv2(F.pad(h, (self.pad, 0)))))
        return F.relu(h + self.skip(x))


class TCN(_Net):
    """Dilations 1, 2, 4, ... over ``levels`` blocks; causal, so end padding cannot leak back."""

    def __init__(self, in_dim, out_dim, hidden, dropout, kernel_size, levels: int = 4, **_) -> None:
        super().__init__(hidden, out_dim)
        self.blocks = nn.Sequential(
            *(
                CausalBlock(in_dim if i == 0 else hidden, hidden, kernel_size, 2**i, dropout)
                for i in range(levels)
            )
        )
        self.pool = AttentionPool(hidden)

    def encode(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.pool(self.blocks(x.transpose(1, 2)).transpose(1, 2), mask)


NETS: dict[str, type[nn.Module]] = {
    "lstm_attention": LSTMAttention,
    "transformer": Transformer,
    "conv_lstm": ConvLSTM,
    "tcn": TCN,
    "conv_bilstm": ConvBiLSTM,
    "stgcn": STGCN,  # graph nets (names.GRAPH_ARCHITECTURES) also take ``adjacency``
}
NET_KEYS = ("hidden", "layers", "dropout", "heads", "kernel_size", "levels", "adjacency")


def build_net(arch: str, in_dim: int, out_dim: int, **params) -> nn.Module:
    """The named architecture; ``params`` may hold other training keys, only NET_KEYS are used
    (``adjacency``: a graph net's ``[K, joints, joints]``, :func:`stgcn.adjacency`)."""
    if arch not in NETS:
        raise ValueError(f"unknown architecture {arch!r}; known: {sorted(NETS)}")
    kwargs = {k: params[k] for k in NET_KEYS if k in params}
    return NETS[arch](in_dim=in_dim, out_dim=out_dim, **kwargs)
