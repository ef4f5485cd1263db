"""The shared parsing and folder helpers of the readers."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from hawkeye.data.quarantine import Quarantine
from hawkeye.data.readers.base import LabelError, SourceError, collect_rows, list_files
from hawkeye.data.readers.textfile import numeric_table


def test_numeric_table_reads_plain_and_gzip_alike(tmp_path: Path) -> None:
    text = "1 2 3 \r\n\n4 5 6\n"
    plain = tmp_path / "t.txt"
    plain.write_text(text)
    packed = tmp_path / "t.txt.gz"
    with gzip.open(packed, "wt") as handle:
        handle.write(text)
    assert numeric_table(plain, 3).tolist() == numeric_table(packed, 3).tolist()
    assert numeric_table(plain, 3).shape == (2, 3)


def test_list_files_and_collect_rows(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no file matches"):
        list_files(tmp_path, "*.txt")
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("x")

    def row(path: Path) -> dict:
        if path.stem == "b":
            raise LabelError(f"{path.name}: bad")
        return {"sample_id": path.stem}

    quarantine = Quarantine("ingest")
    rows = collect_rows(list_files(tmp_path, "*.txt"), row, quarantine)
    assert rows == [{"sample_id": "a"}]
    assert quarantine.frame()["reason"].tolist() == ["b.txt: bad"]
    with pytest.raises(LabelError):
        collect_rows(list_files(tmp_path, "*.txt"), row)
