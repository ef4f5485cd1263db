"""Is this recording finger tapping at all? A sign that tells it from hand opening/closing.

A severity model trained on finger tapping scores whatever hand motion it is shown. The
MDS-UPDRS item next to it in the exam (3.5, hand movements: open and close the whole hand)
produces a similar rhythmic thumb-index distance, so the tapping features look plausible
and the score is confidently wrong. The two tasks differ in which fingers move: in tapping
only the thumb and index travel, the middle, ring and little fingers stay roughly where
they are; in opening and closing every fingertip moves away from and back towards the
wrist together. :func:`hand_task_signs` measures that difference, and
:func:`looks_like_tapping` turns it into a yes/no with a sentence a clinician can read.
"""

from __future__ import annotations

import math

import numpy as np

from hawkeye.landmarks.sequence import LandmarkSequence

# MediaPipe hand landmark indices.
WRIST, THUMB_TIP, INDEX_TIP, MIDDLE_MCP = 0, 4, 8, 9
# The fingertips that should stay put while tapping.
OTHER_TIPS: dict[str, int] = {"middle": 12, "ring": 16, "pinky": 20}
# The percentiles whose difference is a motion's "range": robust to a few frames where the
# tracker jumps, which a max - min would report as motion.
RANGE_PERCENTILES = (5.0, 95.0)
# Fewer present frames than this and a 5-95 % range is two or three frames' worth of noise.
MIN_FRAMES = 10
# Below this thumb-index range (in hand sizes) nothing is tapping or opening: the ratio
# would divide tracking noise by tracking noise, so it is reported as not measurable.
MIN_APERTURE_RANGE = 0.05
# The default cut of :func:`looks_like_tapping`. A constructed open/close hand whose
# thumb and index move 60° apart gives exactly 1 (every tip travels as far as the
# thumb-index gap changes); clean tapping gives about 0 (the other tips only drift with
# tremor and tracking jitter). 0.5 sits half way between the two. It has not yet been
# calibrated on labelled real recordings; treat it as a first, deliberately lenient cut.
DEFAULT_MAX_RATIO = 0.5


def _coordinates(seq: LandmarkSequence) -> np.ndarray:
    """Present frames' x, y in float64, in pixels when the frame size is known.

    Normalised coordinates squash the long side of the frame: the same finger movement
    measures shorter along it than across, so horizontal and vertical motion would not be
    comparable. Scaling by width and height restores true proportions.
    """
    xy = seq.points[seq.presence, :, :2].astype(np.float64)
    if seq.width is not None and seq.height is not None:
        xy = xy * np.array([float(seq.width), float(seq.height)])
    return xy


def _spread(values: np.ndarray) -> float:
    low, high = np.percentile(values, RANGE_PERCENTILES)
    return float(high - low)


def hand_task_signs(seq: LandmarkSequence) -> dict[str, float]:
    """Signs of which hand task a recording shows, in hand sizes; NaN when not measurable.

    Keys:

    - ``other_fingers_motion_ratio``: the median over the middle, ring and little
      fingertips of the 5-95 % range of (tip-wrist distance / hand size), divided by the
      5-95 % range of (thumb tip-index tip distance / hand size). About 0 for finger
      tapping, about 1 for opening and closing the whole hand.
    - ``aperture_range``: the thumb-index range, the denominator.
    - ``other_fingers_range``: the numerator; ``middle_tip_range``, ``ring_tip_range``,
      ``pinky_tip_range``: its three parts.
    - ``hand_size``: the median wrist-middle-MCP length (pixels when the frame size is
      known, else normalised units); the unit that makes the ranges comparable across
      cameras and hands.
    - ``frames_used``: present frames measured.

    Distances to the wrist rather than raw positions, so that moving the whole hand (or
    the camera) without moving the fingers does not count as finger motion.
    """
    xy = _coordinates(seq)
    nan = float("nan")
    signs = {
        "other_fingers_motion_ratio": nan,
        "aperture_range": nan,
        "other_fingers_range": nan,
        **{f"{name}_tip_range": nan for name in OTHER_TIPS},
        "hand_size": nan,
        "frames_used": float(len(xy)),
    }
    if len(xy) < MIN_FRAMES:
        return signs
    wrist = xy[:, WRIST]
    size = float(np.median(np.linalg.norm(xy[:, MIDDLE_MCP] - wrist, axis=1)))
    signs["hand_size"] = size
    if not size > 0:
        return signs
    aperture = np.linalg.norm(xy[:, THUMB_TIP] - xy[:, INDEX_TIP], axis=1)
    aperture_range = _spread(aperture / size)
    signs["aperture_range"] = aperture_range
    tip_ranges = []
    for name, joint in OTHER_TIPS.items():
        reach = np.linalg.norm(xy[:, joint] - wrist, axis=1) / size
        tip_ranges.append(_spread(reach))
        signs[f"{name}_tip_range"] = tip_ranges[-1]
    other = float(np.median(tip_ranges))
    signs["other_fingers_range"] = other
    if aperture_range >= MIN_APERTURE_RANGE:
        signs["other_fingers_motion_ratio"] = other / aperture_range
    return signs


def looks_like_tapping(
    signs: dict[str, float], max_ratio: float = DEFAULT_MAX_RATIO
) -> tuple[bool, str]:
    """Whether the signs show finger tapping, and a sentence saying why.

    False also when the ratio cannot be measured (too few frames with a hand, or a
    thumb-index distance that barely changes): a tapping score needs a recording shown
    to be tapping, not merely one not shown to be something else. See
    :data:`DEFAULT_MAX_RATIO` for where the threshold comes from.
    """
    ratio = signs.get("other_fingers_motion_ratio", float("nan"))
    if ratio is None or not math.isfinite(ratio):
        frames = signs.get("frames_used", float("nan"))
        if frames is not None and math.isfinite(frames) and frames < MIN_FRAMES:
            why = f"only {int(frames)} frames show a hand (need {MIN_FRAMES})"
        elif not (signs.get("hand_size", float("nan")) or 0) > 0:
            why = "the hand's size could not be measured"
        else:
            why = (
                f"the thumb-index distance barely changes "
                f"({signs.get('aperture_range', float('nan')):.3f} hand sizes)"
            )
        return False, f"cannot tell whether this is finger tapping: {why}"
    if ratio <= max_ratio:
        return True, (
            f"finger tapping: the middle, ring and little fingertips move {ratio:.2f} times "
            f"as much as the thumb-index gap (at most {max_ratio:g} expected)"
        )
    return False, (
        f"looks like whole-hand opening and closing, not finger tapping: the middle, ring "
        f"and little fingertips move {ratio:.2f} times as much as the thumb-index gap "
        f"(at most {max_ratio:g} expected for tapping)"
    )
