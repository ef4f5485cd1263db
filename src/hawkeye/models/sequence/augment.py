"""Training-time augmentation of the sequence nets' recordings (numpy; every knob off by default).

A recording here is the nets' input before standardisation: ``[time, joints * C]``,
joint-major, each joint's ``C`` channels being ``x y z`` then (when asked for)
``vx vy vz`` and ``ax ay az`` (:func:`hawkeye.features.motion.motion_channels`). Each
draw is a function of ``(seed, epoch, recording)`` alone, so a run is reproducible and
a resumed one sees what an uninterrupted one saw; the validation recordings and every
prediction are never augmented.

- ``augment_rotation`` (degrees): a turn about the vertical (y) axis through the origin
  (the root joint, when ``centre`` is not ``none``), uniform in +-this. It turns the
  velocity and acceleration triples alike (the turn is constant in time).
- ``augment_scale``: every channel times a factor uniform in ``[1 - s, 1 + s]`` (a
  bigger or smaller body; derivatives scale with the positions).
- ``augment_crop``: keep a random window of at least ``1 - c`` of the frames.
- ``augment_warp``: a smooth monotone time warp whose local speed stays within
  ``1 +- w``; velocities are multiplied by the local speed and accelerations by its
  square (the warp's own second derivative is neglected).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

KEYS = ("augment_rotation", "augment_scale", "augment_crop", "augment_warp")
DEFAULTS: Mapping[str, float] = dict.fromkeys(KEYS, 0.0)
_LIMITS = {
    "augment_rotation": 180.0,
    "augment_scale": 1.0,
    "augment_crop": 1.0,
    "augment_warp": 1.0,
}


def check_params(params: Mapping[str, Any]) -> None:
    """Each augmentation knob a number in its range (rotation up to 180 degrees, the rest < 1)."""
    for key in KEYS:
        value = params.get(key, 0.0)
        limit = _LIMITS[key]
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not 0 <= value <= limit or (limit == 1.0 and value >= 1.0):
            bound = f"<= {limit:g}" if limit > 1 else "< 1"
            raise ValueError(f"{key} must be a number >= 0 and {bound}, got {value!r}")


@dataclass(frozen=True)
class Augment:
    """The augmentation of one training run (module note).

    ``orders``: the derivative order of each channel triple of a joint (0 positions,
    1 velocities, 2 accelerations), as the params' ``velocity`` / ``acceleration`` say.
    ``fixed``: joint entries that are no position (a layout's ``non_positional``, e.g.
    joint angles): the turn and the scaling leave them alone, crop and warp do not.
    """

    rotation: float = 0.0
    scale: float = 0.0
    crop: float = 0.0
    warp: float = 0.0
    orders: tuple[int, ...] = (0,)
    fixed: tuple[int, ...] = ()

    @classmethod
    def from_params(cls, p: Mapping[str, Any], layouts: Sequence[str] = ()) -> Augment:
        """The augmentation ``p`` asks for, over recordings of ``layouts``."""
        check_params(p)
        orders = (
            (0,)
            + ((1,) if p.get("velocity", True) else ())
            + ((2,) if p.get("acceleration", False) else ())
        )
        return cls(
            float(p.get("augment_rotation", 0.0)),
            float(p.get("augment_scale", 0.0)),
            float(p.get("augment_crop", 0.0)),
            float(p.get("augment_warp", 0.0)),
            orders,
            _fixed(layouts),
        )

    @property
    def active(self) -> bool:
        return any(v > 0 for v in (self.rotation, self.scale, self.crop, self.warp))

    def __call__(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``x [time, joints * channels]`` augmented with draws from ``rng`` (a copy)."""
        if not self.active:
            return x
        channels = 3 * len(self.orders)
        if x.shape[1] % channels:
            raise ValueError(f"{x.shape[1]} features are not joints x {channels} channels")
        out = x.astype(np.float64).reshape(len(x), -1, len(self.orders), 3)  # [T, J, k, 3]
        kept = out[:, list(self.fixed)].copy()
        if self.rotation > 0:
            a = np.deg2rad(rng.uniform(-self.rotation, self.rotation))
            c, s = np.cos(a), np.sin(a)
            xs, zs = out[..., 0].copy(), out[..., 2].copy()
            out[..., 0], out[..., 2] = c * xs - s * zs, s * xs + c * zs
        if self.scale > 0:
            out = out * rng.uniform(1 - self.scale, 1 + self.scale)
        if self.fixed:
            out[:, list(self.fixed)] = kept
        if self.warp > 0 and len(out) > 2:
            out = _warp(out, self.orders, rng.uniform(-self.warp, self.warp), rng.uniform())
        if self.crop > 0 and len(out) > 2:
            keep = max(2, int(np.ceil(len(out) * (1 - rng.uniform(0, self.crop)))))
            start = int(rng.integers(0, len(out) - keep + 1))
            out = out[start : start + keep]
        return out.reshape(len(out), -1).astype(np.float32)


def _fixed(layouts: Sequence[str]) -> tuple[int, ...]:
    """The recordings' non-positional joint entries (one layout's, or none)."""
    from hawkeye.landmarks.sequence import LAYOUTS

    found = {LAYOUTS[name].non_positional for name in set(layouts) if name in LAYOUTS}
    if len(found) > 1:
        raise ValueError(f"augmentation over layouts {sorted(set(layouts))} that differ in angles")
    return next(iter(found), ())


def _warp(x: np.ndarray, orders: tuple[int, ...], amount: float, phase: float) -> np.ndarray:
    """Resample ``x [T, J, k, 3]`` along a smooth monotone warp, same length.

    Local speed ``1 + amount * cos(2 pi (u - phase))`` over the recording's share ``u``,
    renormalised so that the warped time still runs from the first frame to the last.
    """
    n = len(x)
    u = np.linspace(0.0, 1.0, n)
    speed = np.clip(1.0 + amount * np.cos(2 * np.pi * (u - phase)), 1e-3, None)
    tau = np.concatenate([[0.0], np.cumsum((speed[1:] + speed[:-1]) / 2)])
    tau *= (n - 1) / tau[-1]  # source frame of each output frame
    rate = np.gradient(tau)  # source frames per output frame: the local speed
    lo = np.floor(tau).astype(int).clip(0, n - 1)
    hi = np.minimum(lo + 1, n - 1)
    w = (tau - lo)[:, None, None, None]
    out = (1 - w) * x[lo] + w * x[hi]
    for slot, order in enumerate(orders):  # d/dt of x(tau(t)) = x'(tau) tau' (tau'' neglected)
        if order:
            out[:, :, slot] *= (rate**order)[:, None, None]
    return out
