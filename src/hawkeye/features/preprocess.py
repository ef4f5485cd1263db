"""Skeleton preprocessing as configuration: one definition every sequence model shares.

:class:`Preprocess` says how a recording's joint positions are normalised before any
model sees them, and :meth:`Preprocess.apply` does it; :func:`hawkeye.features.motion.
motion_channels` (the input of the sequence nets, the rockets, the frame-wise nets and
the ``motion`` feature set) calls it, so a model's ``params`` name the same three keys
with the same meaning everywhere:

- ``centre``: ``frame`` subtracts each frame's root position (posture only),
  ``recording`` the root's median position (whole-body movement kept), ``none`` keeps
  the coordinates as recorded.
- ``scale``: ``body`` divides by the median body size (the layout's ``size`` joints,
  else the joints' RMS spread, in the image plane), ``none`` keeps the units.
- ``view``: ``canonical`` rotates the recording about the vertical (y) axis, through the
  root, so that the median left-to-right line of the shoulders (else the hips) lies
  along +x: the same movement filmed from another angle gives the same numbers.
  ``none`` keeps the camera's view. The rotation is one per recording, so a turn within
  the recording stays visible. It needs 3-D points and a layout that names its left and
  right shoulders or hips (``lateral`` of :func:`hawkeye.landmarks.sequence.register_layout`,
  or joint names such as ``ShoulderLeft``, ``left_shoulder``, ``LShoulder``).

The defaults (``frame``, ``body``, ``none``) are what the models did before these keys
existed, so existing configurations keep their meaning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hawkeye.errors import HawkeyeError
from hawkeye.features.signal import interpolate_gaps
from hawkeye.landmarks.sequence import LAYOUTS, JointLayout, LandmarkSequence

CHOICES: Mapping[str, tuple[str, ...]] = {
    "centre": ("frame", "recording", "none"),
    "scale": ("body", "none"),
    "view": ("none", "canonical"),
}
DEFAULTS: Mapping[str, str] = {"centre": "frame", "scale": "body", "view": "none"}
KEYS = tuple(DEFAULTS)
# Body parts whose left/right pair defines the lateral axis, in order of preference.
_LATERAL_PARTS = ("shoulder", "upperarm", "hip", "upperleg", "thigh")


class PreprocessError(HawkeyeError, ValueError):
    """A preprocessing setting that cannot apply; the message says what to change."""


@dataclass(frozen=True)
class Preprocess:
    """How joint positions are normalised (module note); validated when built."""

    centre: str = DEFAULTS["centre"]
    scale: str = DEFAULTS["scale"]
    view: str = DEFAULTS["view"]

    def __post_init__(self) -> None:
        for key, allowed in CHOICES.items():
            value = getattr(self, key)
            if value not in allowed:
                raise PreprocessError(f"{key} must be one of {list(allowed)}, got {value!r}")

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Preprocess:
        """The preprocessing a model's ``params`` name (absent keys: the defaults)."""
        return cls(**{k: params[k] for k in KEYS if k in params})

    def apply(self, seq: LandmarkSequence) -> np.ndarray:
        """float64 ``[frames, joints, 3]``: gaps filled, centred, rotated, scaled.

        A layout's ``non_positional`` entries (angles beside positions) are only gap-filled
        (a layout of angles alone is returned gap-filled whatever the settings).
        """
        filled = interpolate_gaps(seq.points.astype(np.float64), seq.presence)
        layout = LAYOUTS.get(seq.layout)  # its root and size joints, when it names them
        root_idx, size_idx = (layout.root, layout.size) if layout is not None else (None, None)
        other = list(layout.non_positional) if layout is not None else []
        if len(other) == filled.shape[1]:  # nothing but angles: nothing to centre or turn
            return filled
        if other and (root_idx is None or size_idx is None):
            raise PreprocessError(f"layout {seq.layout}: non-positional entries need root and size")
        pts = self._positions(seq, filled, root_idx, size_idx)
        if other:
            pts[:, other] = filled[:, other]
        return pts

    def _positions(
        self,
        seq: LandmarkSequence,
        pts: np.ndarray,
        root_idx: tuple[int, ...] | None,
        size_idx: tuple[tuple[int, ...], ...] | None,
    ) -> np.ndarray:
        root = _root(pts, root_idx)
        size = body_size(pts[seq.presence], size_idx) if self.scale == "body" else 1.0
        origin = np.median(root[seq.presence], axis=0)
        if self.view == "canonical":
            pts = rotate_y(pts, -facing_angle(pts[seq.presence], seq.layout), origin)
        if self.centre == "frame":
            pts = pts - _root(pts, root_idx)[:, None]
        elif self.centre == "recording":
            pts = pts - origin
        return pts / size


def check_params(params: Mapping[str, Any]) -> None:
    """Fails (by name) on a bad ``centre`` / ``scale`` / ``view`` in a model's params."""
    Preprocess.from_params(params)


def _root(pts: np.ndarray, root_idx: tuple[int, ...] | None) -> np.ndarray:
    return pts.mean(axis=1) if root_idx is None else pts[:, list(root_idx)].mean(axis=1)


def body_size(present: np.ndarray, size_idx: tuple[tuple[int, ...], ...] | None) -> float:
    """Median image-plane body size over detected frames; 1 when it is degenerate."""
    xy = present[:, :, :2]
    if size_idx is None:
        spread = xy - xy.mean(axis=1, keepdims=True)
        per_frame = np.sqrt((spread**2).sum(axis=2).mean(axis=1))
    else:
        a, b = (xy[:, list(group)].mean(axis=1) for group in size_idx)
        per_frame = np.linalg.norm(a - b, axis=1)
    size = float(np.median(per_frame)) if len(per_frame) else float("nan")
    return size if np.isfinite(size) and size > 1e-9 else 1.0


def lateral_joints(layout: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The layout's (left, right) joint groups: its declared ``lateral``, else its names."""
    spec = LAYOUTS.get(layout)
    if spec is not None and spec.lateral is not None:
        return spec.lateral
    found = _lateral_from_names(spec) if spec is not None else None
    if found is None:
        raise PreprocessError(
            f"view: canonical needs the left and right shoulders or hips of layout {layout!r}, "
            "which names none: register_layout(..., lateral=((left,), (right,))) or view: none"
        )
    return found


def _lateral_from_names(layout: JointLayout) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    names = [re.sub(r"[^a-z]", "", n.lower()) for n in layout.names]
    for part in _LATERAL_PARTS:
        left = [
            i for i, n in enumerate(names) if part in n and n.replace(part, "") in ("left", "l")
        ]
        right = [
            i for i, n in enumerate(names) if part in n and n.replace(part, "") in ("right", "r")
        ]
        if len(left) == 1 and len(right) == 1:
            return (left[0],), (right[0],)
    return None


def facing_angle(present: np.ndarray, layout: str) -> float:
    """Angle (radians, about y) of the median left-to-right line in the x-z plane."""
    left, right = lateral_joints(layout)
    line = present[:, list(right)].mean(axis=1) - present[:, list(left)].mean(axis=1)
    dx, dz = np.median(line[:, 0]), np.median(line[:, 2])
    if not np.isfinite(dx) or not np.isfinite(dz) or np.hypot(dx, dz) < 1e-9:
        return 0.0  # no usable lateral line (2-D points, or no detection): leave the view
    return float(np.arctan2(dz, dx))


def rotate_y(pts: np.ndarray, angle: float, origin: np.ndarray | None = None) -> np.ndarray:
    """``pts [..., 3]`` rotated by ``angle`` radians about the vertical axis through ``origin``.

    Positive angles turn +x towards +z (x' = x cos a - z sin a, z' = x sin a + z cos a).
    """
    o = np.zeros(3) if origin is None else np.asarray(origin, dtype=np.float64)
    c, s = np.cos(angle), np.sin(angle)
    out = np.array(pts, dtype=np.float64, copy=True) - o
    x, z = out[..., 0].copy(), out[..., 2].copy()
    out[..., 0], out[..., 2] = c * x - s * z, s * x + c * z
    return out + o
