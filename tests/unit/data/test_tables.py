"""Tables as people bring them: other delimiters and encodings, colliding names, conflicts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import DatasetConfig
from hawkeye.data.errors import DatasetError
from hawkeye.data.ingest import ingest
from hawkeye.data.tables import read_table
from hawkeye.data.videos import unique_ids


def test_semicolons_and_latin1_are_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_bytes("patient;score;note\nP1;2;Müller\nP2;3;Ærø\n".encode("cp1252"))
    frame = read_table(path)
    assert list(frame.columns) == ["patient", "score", "note"]
    assert frame["note"].tolist() == ["Müller", "Ærø"] and frame["score"].tolist() == [2, 3]
    tabs = tmp_path / "tabs.tsv"
    tabs.write_text("a\tb\n1\t2\n", encoding="utf-8-sig")  # with a BOM, as Excel writes
    assert list(read_table(tabs).columns) == ["a", "b"]


def test_a_broken_table_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text('a,b\n1,"2\n')  # an unterminated quote
    with pytest.raises(DatasetError, match=r"broken\.csv: not a readable table"):
        read_table(path)


def test_stems_that_collide_keep_both_recordings() -> None:
    ids = unique_ids(["v/trunc.mp4", "v/trunc.avi", "v/other.mp4", "v/trunc.mp4"])
    assert ids == ["trunc_mp4", "trunc_avi", "other", "trunc_mp4"]


def test_one_file_under_two_subjects_quarantines_both_rows(tmp_path: Path) -> None:
    (tmp_path / "lm").mkdir()
    pts = np.random.default_rng(0).uniform(0.3, 0.7, (60, 21, 3)).astype(np.float32)
    rows = []
    for i in range(6):
        np.save(tmp_path / "lm" / f"r{i}.npy", pts)
        rows.append(
            {
                "sample_id": f"r{i}",
                "subject_id": f"S{i}",
                "task": "finger_tapping",
                "side": "left",
                "label": 1,
                "source": f"lm/r{i}.npy",
                "fps": 30,
                "dataset": "t",
            }
        )
    rows.append({**rows[0], "sample_id": "again", "subject_id": "S9", "label": 3})
    path = tmp_path / "a.csv"
    pd.DataFrame(rows).to_csv(path, sep=";", index=False)  # semicolons, as Excel writes them
    result = ingest(
        DatasetConfig(name="t", kind="landmarks", path=str(path), max_quarantine_share=0.5)
    )
    reasons = dict(zip(result.quarantine["sample_id"], result.quarantine["reason"], strict=True))
    assert set(reasons) == {"r0", "again"}
    assert "listed 2 times with different subject_id: S0, S9; label: 1, 3" in reasons["r0"]
    assert len(result.manifest) == 5
