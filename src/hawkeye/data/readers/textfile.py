"""Text and gzip-text parsing shared by the readers of numeric tables.

Checked line by line so that an error names the file and the line to fix;
``np.loadtxt`` names neither the file nor, for a short row, the line.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import TextIO

import numpy as np

from hawkeye.data.readers.base import RecordingError


def open_text(path: Path) -> TextIO:
    """Open ``path`` as UTF-8 text, through gzip when its name ends in ``.gz``."""
    path = Path(path)
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def numeric_table(path: Path, n_cols: int, sep: str | None = None, what: str = "") -> np.ndarray:
    """Float64 ``[rows, n_cols]``: one row a non-blank line, every value finite.

    ``sep=None`` splits on whitespace (trailing blanks and ``\\r`` are fine);
    ``what`` says in an error what the columns are, e.g. ``"(25 joints x 7)"``.
    """
    path = Path(path)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        with open_text(path) as handle:
            for lineno, line in enumerate(handle, 1):
                tokens = line.split() if sep is None else line.strip().split(sep)
                if tokens in ([], [""]):
                    continue
                if len(tokens) != n_cols:
                    raise RecordingError(
                        f"{path.name}:{lineno}: {len(tokens)} values, "
                        f"expected {n_cols} {what}".rstrip()
                    )
                rows.append(tokens)
                lines.append(lineno)
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:
        raise RecordingError(f"{path.name}: cannot read ({exc})") from exc
    try:
        table = np.array(rows, dtype=np.float64).reshape(len(rows), n_cols)
    except ValueError:
        for tokens, lineno in zip(rows, lines, strict=True):
            try:
                [float(t) for t in tokens]
            except ValueError as exc:
                raise RecordingError(f"{path.name}:{lineno}: not a number ({exc})") from None
        raise
    bad = ~np.isfinite(table).all(axis=1)
    if bad.any():
        raise RecordingError(f"{path.name}:{lines[int(np.argmax(bad))]}: NaN or infinite value")
    return table
