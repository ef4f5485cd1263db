"""Which hand the extractor keeps: the annotated side, or PARK's rule.

MediaPipe's result objects are plain containers (``multi_hand_landmarks[i].landmark[j].x``,
``multi_handedness[i].classification[0].label/.score``); they are built here directly.
"""

from __future__ import annotations

from types import SimpleNamespace as NS

from hawkeye.landmarks.mediapipe_extractor import HAND_CHOICE


def _hand(label: str, score: float, size: float) -> tuple[NS, NS]:
    """A hand whose wrist (0) and thumb tip (4) are ``size`` apart in the image."""
    points = [NS(x=0.5, y=0.5, z=0.0) for _ in range(21)]
    points[4] = NS(x=0.5 + size, y=0.5, z=0.0)
    return NS(landmark=points), NS(classification=[NS(label=label, score=score)])


def _result(*hands: tuple[NS, NS]) -> NS:
    return NS(multi_hand_landmarks=[h[0] for h in hands], multi_handedness=[h[1] for h in hands])


park, annotated = HAND_CHOICE["park"], HAND_CHOICE["annotated"]


def test_park_reverses_the_label_of_an_unmirrored_video_and_needs_confidence() -> None:
    # The person's left hand is labelled "Right" by MediaPipe in an unmirrored video.
    result = _result(_hand("Right", 0.95, 0.1), _hand("Left", 0.97, 0.1))
    assert park(result, "left", False) == 0
    assert park(result, "right", False) == 1
    assert park(result, "left", True) == 1  # a selfie video: the label applies as is
    shy = _result(_hand("Right", 0.85, 0.1))
    assert park(shy, "left", False) is None  # 0.85 is not above PARK's 0.9
    assert annotated(shy, "left", False) == 0  # the default rule keeps it


def test_park_takes_the_larger_of_two_qualifying_hands_and_none_of_three() -> None:
    two = _result(_hand("Right", 0.95, 0.05), _hand("Right", 0.99, 0.2))
    assert park(two, "left", False) == 1  # larger wrist-to-thumb span, not higher score
    assert annotated(two, "left", False) == 1
    bigger_first = _result(_hand("Right", 0.99, 0.3), _hand("Right", 0.95, 0.2))
    assert park(bigger_first, "left", False) == 0
    three = _result(*[_hand("Right", 0.95, 0.1 * k) for k in (1, 2, 3)])
    assert park(three, "left", False) is None
    assert park(_result(), "left", False) is None
    assert park(NS(multi_hand_landmarks=None, multi_handedness=None), "left", False) is None
