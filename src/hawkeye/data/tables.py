"""Reading the tables people bring: any common delimiter, UTF-8 or a legacy encoding.

Score sheets come out of Excel as semicolon-separated files in the locale's code page as
often as comma-separated UTF-8. The delimiter is sniffed (comma, semicolon, tab, pipe) and
the encoding tried in order (UTF-8 with or without BOM, then Windows-1252, whose
superset of Latin-1 covers what European sheets hold); a file that still cannot be read
is one line naming what to pass, never a traceback.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from hawkeye.data.errors import DatasetError

ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
DELIMITERS = ",;\t|"


def _delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","  # one column, or nothing to tell by: the usual comma


def read_table(path: Path) -> pd.DataFrame:
    """A CSV (or .parquet) as a frame, with its delimiter and encoding worked out."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    raw = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        sep = _delimiter(text[:20000])
        try:
            return pd.read_csv(path, sep=sep, encoding=encoding)
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise DatasetError(
                f"{path.name}: not a readable table with delimiter {sep!r} and encoding "
                f"{encoding} ({str(exc).splitlines()[0]}); save it as comma-separated UTF-8"
            ) from exc
    raise DatasetError(f"{path.name}: cannot decode as {', '.join(ENCODINGS)}; save it as UTF-8")


def named_sources(sheet: Path) -> list[str]:
    """The ``source`` cells of an annotation sheet, for fingerprinting what it names.

    Empty when the sheet has no ``source`` column or is no plain comma-separated CSV
    (renamed columns, another delimiter): then the sheet alone is fingerprinted, and
    ingest reports a broken sheet properly.
    """
    try:
        sources = pd.read_csv(sheet, usecols=["source"])["source"]
    except (ValueError, pd.errors.ParserError):
        return []
    return list(sources.dropna().astype(str))
