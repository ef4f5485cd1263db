"""Task rubrics and the prompt a vision-language scorer is given.

The anchors paraphrase the MDS-UPDRS Part III items briefly; they are a prompt
for a zero-shot model, not the scale's official wording, which raters should
read in the MDS publication itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rubric:
    item: str  # MDS-UPDRS Part III item number
    title: str
    instructions: str  # what the person in the video was asked to do
    look_for: str  # what the rater judges
    anchors: dict[int, str]  # score -> short description


RUBRICS: dict[str, Rubric] = {
    "finger_tapping": Rubric(
        item="3.4",
        title="finger tapping",
        instructions=(
            "the person taps the index finger on the thumb ten times, as fast and as wide "
            "as they can, one hand at a time"
        ),
        look_for=(
            "tapping speed, opening amplitude, hesitations or halts, and whether the "
            "amplitude shrinks as the taps go on"
        ),
        anchors={
            0: "normal: fast, wide, regular taps without problems",
            1: "slight: one or two interruptions, slightly slow, or amplitude fading only "
            "near the end",
            2: "mild: three to five interruptions, mildly slow, or amplitude fading by the "
            "middle of the sequence",
            3: "moderate: more than five interruptions or a longer freeze, clearly slow, or "
            "amplitude fading from the first taps",
            4: "severe: can barely or not at all perform the taps",
        },
    ),
    "gait": Rubric(
        item="3.10",
        title="gait",
        instructions="the person walks about ten metres away from the camera, turns and walks back",
        look_for=(
            "stride length, walking speed, foot lift and heel strike, arm swing, turning, "
            "and whether they need an aid or another person"
        ),
        anchors={
            0: "normal: walks without problems",
            1: "slight: walks independently with minor impairment",
            2: "mild: walks independently but with clear impairment",
            3: "moderate: needs a walking aid (cane, walker) to walk safely, but no person",
            4: "severe: cannot walk at all, or only with another person's help",
        },
    ),
}


def rubric_for(task: str) -> Rubric:
    try:
        return RUBRICS[task]
    except KeyError:
        raise ValueError(f"no rubric for task {task!r}; known tasks: {sorted(RUBRICS)}") from None


def check_label_range(task: str, min_label: int, max_label: int) -> None:
    """The rubric must anchor every label the dataset can hold."""
    rubric = rubric_for(task)
    missing = [s for s in range(min_label, max_label + 1) if s not in rubric.anchors]
    if missing:
        raise ValueError(
            f"the {task} rubric anchors scores {sorted(rubric.anchors)}, "
            f"not {missing} of the label range {min_label}-{max_label}"
        )


def build_prompt(
    task: str, times_s: Sequence[float], min_label: int = 0, max_label: int = 4
) -> str:
    """The instruction that follows the frames: context, the anchors in range, the answer format."""
    check_label_range(task, min_label, max_label)
    rubric = rubric_for(task)
    span = f"{times_s[-1] - times_s[0]:.1f}" if len(times_s) > 1 else "0"
    anchors = "\n".join(f"{s} = {rubric.anchors[s]}" for s in range(min_label, max_label + 1))
    return (
        f"The {len(times_s)} images above are frames taken evenly over {span} seconds of a "
        f"video of the MDS-UPDRS Part III item {rubric.item} ({rubric.title}): "
        f"{rubric.instructions}.\n"
        f"Judge {rubric.look_for}.\n"
        f"Rate the movement on this scale:\n{anchors}\n"
        f"Answer with the single number of the score ({min_label} to {max_label}) "
        "and nothing else."
    )
