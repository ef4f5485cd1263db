"""Accuracy of MediaPipe Hands against keypoint ground truth on still images (PCK).

PCK@alpha counts a keypoint as correct when it lies within ``alpha`` times
the hand's bounding-box size of the ground truth. It is the usual hand-pose
figure, and what tells a lab whether landmarks from its camera set-up can be
trusted before any model is trained on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# InterHand2.6M stores each hand tip-to-base per finger with the wrist last.
INTERHAND_TO_MEDIAPIPE = [20, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 19, 18, 17, 16]


@dataclass(frozen=True)
class HandTruth:
    points: np.ndarray  # [21, 2] pixels, MediaPipe joint order
    visible: np.ndarray  # bool [21]

    @property
    def box_size(self) -> float:
        p = self.points[self.visible]
        return float((p.max(axis=0) - p.min(axis=0)).max()) if len(p) else float("nan")

    @property
    def centre(self) -> np.ndarray:
        return self.points[self.visible].mean(axis=0)


def detect_hands(rgb: np.ndarray, max_hands: int = 2, complexity: int = 1) -> list[np.ndarray]:
    """MediaPipe Hands on one still image: a [21, 2] pixel array per hand found."""
    import mediapipe as mp

    h, w = rgb.shape[:2]
    with mp.solutions.hands.Hands(
        static_image_mode=True,
        max_num_hands=max_hands,
        model_complexity=complexity,
        min_detection_confidence=0.3,
    ) as hands:
        result = hands.process(rgb)
    return [
        np.array([[p.x * w, p.y * h] for p in lm.landmark])
        for lm in result.multi_hand_landmarks or []
    ]


def pck(pred: np.ndarray | None, truth: HandTruth, alpha: float = 0.2) -> tuple[int, int]:
    """(correct, counted) visible keypoints; a missed hand counts every keypoint as wrong."""
    counted = int(truth.visible.sum())
    if pred is None:
        return 0, counted
    err = np.linalg.norm(pred - truth.points, axis=1)[truth.visible]
    return int((err <= alpha * truth.box_size).sum()), counted


def match(preds: list[np.ndarray], truth: HandTruth) -> np.ndarray | None:
    """The detected hand closest to the ground-truth hand, if any lies within its box."""
    if not preds:
        return None
    dist = [np.linalg.norm(p.mean(axis=0) - truth.centre) for p in preds]
    best = int(np.argmin(dist))
    return preds[best] if dist[best] <= truth.box_size else None


def finger_order_is_base_to_tip(truth: HandTruth) -> bool:
    """Anatomy check of a joint order: each fingertip lies farther from the wrist than its base."""
    wrist = truth.points[0]
    votes = []
    for base in (1, 5, 9, 13, 17):
        b, t = base, base + 3
        if truth.visible[[0, b, t]].all():
            votes.append(
                np.linalg.norm(truth.points[t] - wrist) > np.linalg.norm(truth.points[b] - wrist)
            )
    return bool(np.mean(votes) > 0.5) if votes else True
