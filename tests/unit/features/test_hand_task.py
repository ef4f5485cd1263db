"""Tapping vs whole-hand opening/closing on constructed hands with hand-computed ratios."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hawkeye.features.hand_task import hand_task_signs, looks_like_tapping
from hawkeye.landmarks.sequence import LandmarkSequence

FPS = 30.0
FRAMES = 300
# 0 .. 1 .. 0 at 2 Hz: the opening of the hand or of the thumb-index gap.
OPENING = 0.5 - 0.5 * np.cos(2 * np.pi * 2.0 * np.arange(FRAMES) / FPS)


def _sequence(
    points: np.ndarray, width: int | None = None, height: int | None = None, presence=None
) -> LandmarkSequence:
    present = np.ones(len(points), bool) if presence is None else presence
    return LandmarkSequence(
        points.astype(np.float32), present, "mediapipe_hand_21", FPS, width, height
    )


def _tapping_hand(tremor: float = 0.002) -> np.ndarray:
    """Hand size 0.2; the index tip opens up to one hand size from a still thumb tip.

    The middle, ring and little tips only shake by ``tremor`` (image units) sideways and
    up/down; the tip-wrist distance then varies by at most ``tremor`` = 0.01 hand sizes
    against an aperture range of about 0.98 hand sizes (5-95 % of 0..1).
    """
    pts = np.zeros((FRAMES, 21, 3))
    pts[:, 0, :2] = [0.5, 0.8]  # wrist
    pts[:, 9, :2] = [0.5, 0.6]  # middle MCP
    pts[:, 4, :2] = [0.45, 0.65]  # thumb tip
    pts[:, 8, 0] = 0.45
    pts[:, 8, 1] = 0.65 - 0.2 * OPENING
    shake = tremor * np.sin(2 * np.pi * 5 * np.arange(FRAMES) / FPS)
    for tip, x in ((12, 0.5), (16, 0.55), (20, 0.6)):
        pts[:, tip, 0] = x + shake
        pts[:, tip, 1] = 0.45 + shake
    return pts


def _open_close_hand(width: int = 640, height: int = 480, other_angle: float = 90.0):
    """All five tips move radially from the wrist by the same amount, in pixels.

    Tip distance from the wrist r(t) = 100 * (1 + OPENING); thumb at 120° and index at 60°
    from the x axis, so the thumb-index distance is 2 r sin(30°) = r: every tip's range
    equals the aperture's, the ratio is exactly 1. Returned normalised by width, height.
    """
    wrist = np.array([320.0, 400.0])
    radius = 100.0 * (1 + OPENING)
    pts = np.zeros((FRAMES, 21, 3))
    pts[:, 0, :2] = wrist
    pts[:, 9, :2] = wrist + np.array([0.0, -80.0])  # middle MCP straight up: hand size 80 px

    def _tip(joint: int, degrees: float) -> None:
        direction = np.array([math.cos(math.radians(degrees)), -math.sin(math.radians(degrees))])
        pts[:, joint, :2] = wrist + radius[:, None] * direction

    _tip(4, 120.0)
    _tip(8, 60.0)
    for joint in (12, 16, 20):
        _tip(joint, other_angle)
    pts[:, :, 0] /= width
    pts[:, :, 1] /= height
    return pts


def test_tapping_hand_has_a_small_ratio() -> None:
    signs = hand_task_signs(_sequence(_tapping_hand()))
    assert signs["other_fingers_motion_ratio"] < 0.2
    assert signs["hand_size"] == pytest.approx(0.2)
    assert signs["aperture_range"] == pytest.approx(0.98, abs=0.02)
    ok, reason = looks_like_tapping(signs)
    assert ok and reason.startswith("finger tapping")


def test_perfectly_still_other_fingers_give_zero() -> None:
    signs = hand_task_signs(_sequence(_tapping_hand(tremor=0.0)))
    assert signs["other_fingers_motion_ratio"] == pytest.approx(0.0, abs=1e-6)


def test_open_close_hand_has_ratio_one_in_pixels() -> None:
    signs = hand_task_signs(_sequence(_open_close_hand(), width=640, height=480))
    assert signs["other_fingers_motion_ratio"] == pytest.approx(1.0, rel=1e-4)
    assert signs["hand_size"] == pytest.approx(80.0, rel=1e-5)
    ok, reason = looks_like_tapping(signs)
    assert not ok and "opening and closing" in reason


def test_frame_size_matters() -> None:
    # Without width and height, x is squashed by 1/640 and y by 1/480. The aperture is
    # horizontal (thumb and index level), the other tips and the hand size vertical, so
    # the aperture shrinks by 480/640 relative to them: the ratio becomes 640/480 = 4/3.
    signs = hand_task_signs(_sequence(_open_close_hand()))
    assert signs["other_fingers_motion_ratio"] == pytest.approx(4 / 3, rel=1e-4)


def test_absent_frames_are_ignored() -> None:
    pts = _open_close_hand()
    presence = np.ones(FRAMES, bool)
    presence[::7] = False
    pts[~presence] = np.nan  # whatever is stored for absent frames must not count
    signs = hand_task_signs(_sequence(pts, 640, 480, presence))
    assert signs["other_fingers_motion_ratio"] == pytest.approx(1.0, rel=1e-4)
    assert signs["frames_used"] == presence.sum()


def test_still_hand_is_not_measurable() -> None:
    still = np.repeat(_tapping_hand(tremor=0.0)[:1], FRAMES, axis=0)
    signs = hand_task_signs(_sequence(still))
    assert math.isnan(signs["other_fingers_motion_ratio"])
    ok, reason = looks_like_tapping(signs)
    assert not ok and reason.startswith("cannot tell") and "barely changes" in reason


def test_too_few_frames_are_not_measurable() -> None:
    presence = np.zeros(FRAMES, bool)
    presence[:5] = True
    signs = hand_task_signs(_sequence(_tapping_hand(), presence=presence))
    assert math.isnan(signs["other_fingers_motion_ratio"])
    ok, reason = looks_like_tapping(signs)
    assert not ok and "only 5 frames" in reason


def test_threshold_is_adjustable() -> None:
    signs = {"other_fingers_motion_ratio": 0.6}
    assert not looks_like_tapping(signs)[0]
    assert looks_like_tapping(signs, max_ratio=0.7)[0]
