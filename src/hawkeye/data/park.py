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
METADATA = re.compile(r"^(Unnamed.*|hand|filename|Rating\d*|Comment\d*|CheckDifficult\d*|gender|age|diagnosed)$")
_PARTICIPANT = re.compile(r"Z(\d+)-")


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
