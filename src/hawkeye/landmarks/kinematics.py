"""Forward kinematics: absolute joint positions from parent-relative offsets along a bone tree.

Some skeleton files (UI-PRMD's Kinect positions) store the root's absolute position
and every other joint as its offset from its parent, in the parent's local frame, and
the joints' orientations as Euler angles in a second file. :func:`forward_kinematics`
rebuilds the absolute skeleton: walking the layout's parent tree from the root,

    R_root = E(angle_root),   R_j = R_parent(j) E(angle_j),
    p_root = offset_root,     p_j = p_parent(j) + R_parent(j) offset_j,

with ``E(a) = Rz(a_z) Ry(a_y) Rx(a_x)`` (degrees; the convention of UI-PRMD's own
visualisation code). Without angles every ``R`` is the identity and the positions are
the offsets' cumulative sum along the tree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def euler_zyx(angles_deg: np.ndarray) -> np.ndarray:
    """``Rz(z) Ry(y) Rx(x)`` matrices ``[..., 3, 3]`` of ``angles_deg [..., 3]`` (x, y, z)."""
    a = np.deg2rad(np.asarray(angles_deg, dtype=np.float64))
    cx, cy, cz = np.cos(a[..., 0]), np.cos(a[..., 1]), np.cos(a[..., 2])
    sx, sy, sz = np.sin(a[..., 0]), np.sin(a[..., 1]), np.sin(a[..., 2])
    r = np.empty((*a.shape[:-1], 3, 3))
    r[..., 0, 0] = cz * cy
    r[..., 0, 1] = cz * sy * sx - sz * cx
    r[..., 0, 2] = cz * sy * cx + sz * sx
    r[..., 1, 0] = sz * cy
    r[..., 1, 1] = sz * sy * sx + cz * cx
    r[..., 1, 2] = sz * sy * cx - cz * sx
    r[..., 2, 0] = -sy
    r[..., 2, 1] = cy * sx
    r[..., 2, 2] = cy * cx
    return r


def tree_order(parents: Sequence[int]) -> list[int]:
    """Joints parents first (roots: -1); a cycle or a parent out of range is an error."""
    n = len(parents)
    if any(not -1 <= p < n or p == j for j, p in enumerate(parents)):
        raise ValueError(f"parents {tuple(parents)} name a joint outside 0..{n - 1} or itself")
    order: list[int] = []
    placed = [False] * n
    frontier = [j for j, p in enumerate(parents) if p == -1]
    while frontier:
        j = frontier.pop(0)
        order.append(j)
        placed[j] = True
        frontier += [k for k, p in enumerate(parents) if p == j]
    if not all(placed):
        raise ValueError(f"parents {tuple(parents)} do not form a tree (a cycle)")
    return order


def forward_kinematics(
    offsets: np.ndarray, parents: Sequence[int], angles_deg: np.ndarray | None = None
) -> np.ndarray:
    """Absolute positions ``[frames, joints, 3]`` (module note) from ``offsets`` of that shape.

    ``angles_deg``: the joints' Euler angles (x, y, z in degrees, ``[frames, joints, 3]``),
    each joint's relative to its parent; ``None``: offsets only (a cumulative sum).
    """
    offsets = np.asarray(offsets, dtype=np.float64)
    if offsets.ndim != 3 or offsets.shape[2] != 3 or offsets.shape[1] != len(parents):
        raise ValueError(f"offsets {offsets.shape} are not [frames, {len(parents)} joints, 3]")
    if angles_deg is not None and np.shape(angles_deg) != offsets.shape:
        raise ValueError(f"angles {np.shape(angles_deg)} differ from offsets {offsets.shape}")
    frames, joints, _ = offsets.shape
    local = (
        np.broadcast_to(np.eye(3), (frames, joints, 3, 3))
        if angles_deg is None
        else euler_zyx(angles_deg)
    )
    pos = np.empty_like(offsets)
    world = np.empty((frames, joints, 3, 3))
    for j in tree_order(parents):
        p = parents[j]
        if p == -1:
            pos[:, j], world[:, j] = offsets[:, j], local[:, j]
            continue
        pos[:, j] = pos[:, p] + np.einsum("fab,fb->fa", world[:, p], offsets[:, j])
        world[:, j] = world[:, p] @ local[:, j]
    return pos
