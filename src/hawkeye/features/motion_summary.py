"""The ``motion`` feature set: any skeleton sequence summarised for a classical model.

Tasks without a clinical feature set (rehabilitation exercises, actions,
gestures) still need one row of numbers a recording for Random Forest or
XGBoost. This set is deliberately generic: :func:`hawkeye.features.motion.
motion_channels` (positions relative to a root joint in body sizes, their
velocity and acceleration per second) summarised over the recording, joint
by joint and channel by channel, with :func:`hawkeye.features.stats.describe`
(median, quartile range, mean, min, max, stdev).

Columns: ``motion_{joint:02d}_{channel}_{stat}`` with ``joint`` the index in
the sequence's layout and ``channel`` one of x y z vx vy vz ax ay az, so
names depend only on the layout (joints x 9 channels x 6 statistics: 1188
for UI-PRMD's 22 joints, 432 for NATOPS's 8 points), plus
``motion_duration_s``. 2-D layouts (OpenPose, AlphaPose) keep constant
``z`` columns, which a tree model ignores.
"""

from __future__ import annotations

from hawkeye.features.motion import channel_names, motion_channels
from hawkeye.features.stats import describe
from hawkeye.landmarks.sequence import LandmarkSequence

PREFIX = "motion_"


def motion_features(seq: LandmarkSequence) -> dict[str, float]:
    """One row of ``motion_*`` features for ``seq`` (see the module note for the names)."""
    channels = motion_channels(seq)  # [frames, joints, 9]
    names = channel_names()
    row: dict[str, float] = {f"{PREFIX}duration_s": seq.duration_s}
    for joint in range(channels.shape[1]):
        for c, channel in enumerate(names):
            row |= describe(f"{PREFIX}{joint:02d}_{channel}", channels[seq.presence, joint, c])
    return row
