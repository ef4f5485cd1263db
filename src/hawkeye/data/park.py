"""The public PARK finger-tapping feature table (Islam et al., npj Digit. Med. 2023).

Rows are videos with 120+ kinematic features from MediaPipe hand landmarks
and the expert consensus ``Rating`` (MDS-UPDRS 3.4, 0-4). The participant is
not a column: it is encoded in the file name, and a subject-safe split needs it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from hawkeye.data.tables import read_table as read_csv_table

# Columns that are ratings, rater comments or demographics, not video features.
METADATA = re.compile(
    r"^(Unnamed.*|hand|filename|Rating\d*|Comment\d*|CheckDifficult\d*|gender|age|diagnosed)$"
)
_PARTICIPANT = re.compile(r"Z(\d+)-")
# The 116 feature columns of the public table, in its order: what PARK's extraction
# (and hawkeye.features.park) computes for one video.
FEATURE_COLUMNS = (
    "wrist_mvmnt_x_median",
    "wrist_mvmnt_x_quartile_range",
    "wrist_mvmnt_x_mean",
    "wrist_mvmnt_x_min",
    "wrist_mvmnt_x_max",
    "wrist_mvmnt_x_stdev",
    "wrist_mvmnt_y_median",
    "wrist_mvmnt_y_quartile_range",
    "wrist_mvmnt_y_mean",
    "wrist_mvmnt_y_min",
    "wrist_mvmnt_y_max",
    "wrist_mvmnt_y_stdev",
    "wrist_mvmnt_dist_median",
    "wrist_mvmnt_dist_quartile_range",
    "wrist_mvmnt_dist_mean",
    "wrist_mvmnt_dist_min",
    "wrist_mvmnt_dist_max",
    "wrist_mvmnt_dist_stdev",
    "aperiodicity_denoised",
    "aperiodicity_trimmed",
    "periodEntropy_denoised",
    "periodEntropy_trimmed",
    "periodVarianceNorm_denoised",
    "periodVarianceNorm_trimmed",
    "numInterruptions_denoised",
    "numInterruptions_trimmed",
    "numFreeze_denoised",
    "numFreeze_trimmed",
    "maxFreezeDuration_denoised",
    "maxFreezeDuration_trimmed",
    "period_median_denoised",
    "period_quartile_range_denoised",
    "period_mean_denoised",
    "period_min_denoised",
    "period_max_denoised",
    "period_stdev_denoised",
    "period_median_trimmed",
    "period_quartile_range_trimmed",
    "period_mean_trimmed",
    "period_min_trimmed",
    "period_max_trimmed",
    "period_stdev_trimmed",
    "period_entropy_denoised",
    "period_entropy_trimmed",
    "frequency_median_denoised",
    "frequency_quartile_range_denoised",
    "frequency_mean_denoised",
    "frequency_min_denoised",
    "frequency_max_denoised",
    "frequency_stdev_denoised",
    "frequency_median_trimmed",
    "frequency_quartile_range_trimmed",
    "frequency_mean_trimmed",
    "frequency_min_trimmed",
    "frequency_max_trimmed",
    "frequency_stdev_trimmed",
    "frequency_lr_fitness_r2_denoised",
    "frequency_lr_slope_denoised",
    "frequency_lr_fitness_r2_trimmed",
    "frequency_lr_slope_trimmed",
    "frequency_fit_min_degree_denoised",
    "frequency_fit_min_degree_trimmed",
    "amplitude_median_denoised",
    "amplitude_quartile_range_denoised",
    "amplitude_mean_denoised",
    "amplitude_min_denoised",
    "amplitude_max_denoised",
    "amplitude_stdev_denoised",
    "amplitude_entropy_denoised",
    "amplitude_median_trimmed",
    "amplitude_quartile_range_trimmed",
    "amplitude_mean_trimmed",
    "amplitude_min_trimmed",
    "amplitude_max_trimmed",
    "amplitude_stdev_trimmed",
    "amplitude_entropy_trimmed",
    "amplitude_decrement_fitness_r2_denoised",
    "amplitude_decrement_slope_denoised",
    "amplitude_decrement_end_to_mean_denoised",
    "amplitude_decrement_fit_min_degree_denoised",
    "amplitude_decrement_last_to_first_half_denoised",
    "amplitude_decrement_fitness_r2_trimmed",
    "amplitude_decrement_slope_trimmed",
    "amplitude_decrement_end_to_mean_trimmed",
    "amplitude_decrement_fit_min_degree_trimmed",
    "amplitude_decrement_last_to_first_half_trimmed",
    "num_peaks_trimmed",
    "num_peaks_denoised",
    "num_interruptions_norm_denoised",
    "num_freeze_norm_denoised",
    "num_interruptions_norm_trimmed",
    "num_freeze_norm_trimmed",
    "speed_median_denoised",
    "speed_quartile_range_denoised",
    "speed_mean_denoised",
    "speed_min_denoised",
    "speed_max_denoised",
    "speed_stdev_denoised",
    "speed_median_trimmed",
    "speed_quartile_range_trimmed",
    "speed_mean_trimmed",
    "speed_min_trimmed",
    "speed_max_trimmed",
    "speed_stdev_trimmed",
    "acceleration_median_denoised",
    "acceleration_quartile_range_denoised",
    "acceleration_mean_denoised",
    "acceleration_min_denoised",
    "acceleration_max_denoised",
    "acceleration_stdev_denoised",
    "acceleration_median_trimmed",
    "acceleration_quartile_range_trimmed",
    "acceleration_mean_trimmed",
    "acceleration_min_trimmed",
    "acceleration_max_trimmed",
    "acceleration_stdev_trimmed",
)


def participant_id(filename: str) -> str:
    """Participant from a PARK file name.

    ``2019-05-03T17-09-33-963Z100-task2-right.webm`` -> ``P100`` (the number
    after ``Z``); ``NIHXU164EVFHK-task2-...`` -> ``NIHXU164EVFHK``.
    """
    name = str(filename)
    if name.startswith("NIH"):
        return name.split("-", 1)[0]
    match = _PARTICIPANT.search(name)
    if not match:
        raise ValueError(f"no participant number after 'Z' in {name!r}")
    return f"P{match.group(1)}"


def authors_group(filename: str) -> str:
    """The grouping token of the authors' code (mixes milliseconds and participant)."""
    return str(filename).split("-")[5] if str(filename).count("-") >= 5 else str(filename)


def feature_names(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if not METADATA.match(str(c))]


def read_table(path: Path) -> pd.DataFrame:
    """The raw table with its unnamed index column dropped."""
    frame = read_csv_table(path)
    return frame.drop(columns=[c for c in frame.columns if str(c).startswith("Unnamed: 0")])
