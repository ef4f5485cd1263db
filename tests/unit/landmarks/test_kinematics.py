"""Forward kinematics along a bone tree (hawkeye.landmarks.kinematics), on hand-made trees."""

from __future__ import annotations

import numpy as np
import pytest

from hawkeye.landmarks.kinematics import euler_zyx, forward_kinematics, tree_order

# root 0 -> 1 -> 2, and 0 -> 3 (listed out of order on purpose: 3's parent comes later)
PARENTS = (-1, 0, 1, 0)
OFFSETS = np.array([[[1.0, 2.0, 3.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, -2.0]]])


def test_without_angles_positions_are_cumulative_sums_along_the_tree() -> None:
    pos = forward_kinematics(OFFSETS, PARENTS)
    expected = [[1, 2, 3], [1, 3, 3], [2, 3, 3], [1, 2, 1]]
    np.testing.assert_allclose(pos[0], expected)
    shuffled = forward_kinematics(OFFSETS[:, [0, 3, 1, 2]], (-1, 0, 0, 2))  # parent after child
    np.testing.assert_allclose(shuffled[0], np.array(expected)[[0, 3, 1, 2]])


def test_a_parent_rotation_turns_the_whole_subtree() -> None:
    angles = np.zeros_like(OFFSETS)
    angles[0, 1] = [0, 0, 90]  # joint 1 turns 90 degrees about z: its child's offset turns
    pos = forward_kinematics(OFFSETS, PARENTS, angles)
    np.testing.assert_allclose(pos[0, 1], [1, 3, 3], atol=1e-12)  # its own offset is not turned
    np.testing.assert_allclose(pos[0, 2], [1, 4, 3], atol=1e-12)  # x offset now along +y
    angles[0, 0] = [90, 0, 0]  # the root about x turns everything below it
    pos = forward_kinematics(OFFSETS, PARENTS, angles)
    np.testing.assert_allclose(pos[0, 1], [1, 2, 4], atol=1e-12)
    np.testing.assert_allclose(pos[0, 3], [1, 4, 3], atol=1e-12)
    bones = np.linalg.norm(pos[0, 1:] - pos[0, [0, 1, 0]], axis=1)  # rotations keep bone lengths
    np.testing.assert_allclose(bones, np.linalg.norm(OFFSETS[0, 1:], axis=1))


def test_euler_order_is_z_after_y_after_x() -> None:
    a = np.array([30.0, -50.0, 70.0])
    x, y, z = np.deg2rad(a)
    rx = np.array([[1, 0, 0], [0, np.cos(x), -np.sin(x)], [0, np.sin(x), np.cos(x)]])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rz = np.array([[np.cos(z), -np.sin(z), 0], [np.sin(z), np.cos(z), 0], [0, 0, 1]])
    np.testing.assert_allclose(euler_zyx(a), rz @ ry @ rx, atol=1e-12)


def test_bad_trees_and_shapes_fail() -> None:
    with pytest.raises(ValueError, match="cycle"):
        tree_order((1, 0))
    with pytest.raises(ValueError, match="outside"):
        tree_order((-1, 5))
    with pytest.raises(ValueError, match="angles"):
        forward_kinematics(OFFSETS, PARENTS, np.zeros((2, 4, 3)))
