"""A small strict reader of the UEA/UCR (sktime) ``.ts`` format, for classification files.

Our own instead of aeon/sktime: those are heavy dependencies for a 60-line
format, and they forgive malformed lines that we want reported. Supported:
``#`` comments, the ``@problemName``, ``@timeStamps false``, ``@missing``,
``@univariate``, ``@dimension(s)``, ``@equalLength true``, ``@seriesLength``
and ``@classLabel true <labels>`` tags, then ``@data`` lines of ``:``-separated
channels (comma-separated values, ``?`` for missing where ``@missing true``)
with the class label last. Time stamps, unequal lengths and regression
targets are refused with a clear error rather than half-read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hawkeye.data.readers.base import SourceError

_FLAGS = {"timestamps": "false", "equallength": "true"}  # the values we support


@dataclass(frozen=True)
class TsDataset:
    """Cases of one ``.ts`` file: ``values`` float32 [cases, channels, length], ``labels`` str."""

    problem: str
    values: np.ndarray
    labels: np.ndarray
    class_labels: tuple[str, ...]
    source: Path

    def label_codes(self) -> np.ndarray:
        """Each case's label as its 0-based position in the header's ``@classLabel`` list."""
        return np.array([self.class_labels.index(lab) for lab in self.labels], dtype=np.int64)


def read_ts(path: Path) -> TsDataset:
    """Parse a classification ``.ts`` file; bad input raises :class:`SourceError` with the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise SourceError(f"{path.name}: cannot read ({exc})") from exc
    header: dict[str, str] = {}
    cases: list[np.ndarray] = []
    labels: list[str] = []
    in_data = False
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path.name}:{lineno}"
        if in_data:
            values, label = _case(where, line, header)
            cases.append(values)
            labels.append(label)
        elif line.startswith("@"):
            in_data = _tag(where, line, header)
        else:
            raise SourceError(f"{where}: data before the @data tag")
    if not cases:
        raise SourceError(f"{path.name}: no cases after @data (or no @data tag)")
    return TsDataset(
        problem=header.get("problemname", path.stem),
        values=np.stack(cases).astype(np.float32),
        labels=np.array(labels),
        class_labels=tuple(header["classlabel"].split()),
        source=path,
    )


def _tag(where: str, line: str, header: dict[str, str]) -> bool:
    """Record one header tag; True when it is ``@data``."""
    key, _, value = line[1:].partition(" ")
    key, value = key.lower(), value.strip()
    if key == "data":
        if "classlabel" not in header:
            raise SourceError(f"{where}: @data before @classLabel (only classification is read)")
        return True
    if key == "dimension":
        key = "dimensions"
    if key in _FLAGS and value.lower() != _FLAGS[key]:
        raise SourceError(f"{where}: @{key} {value} is not supported (only {_FLAGS[key]})")
    if key == "classlabel":
        flag, _, names = value.partition(" ")
        if flag.lower() != "true" or not names.split():
            raise SourceError(f"{where}: @classLabel must be 'true' followed by the labels")
        value = names
    elif key in ("dimensions", "serieslength") and not value.isdigit():
        raise SourceError(f"{where}: @{key} {value!r} is not a whole number")
    elif key not in ("problemname", "missing", "univariate", *_FLAGS, "dimensions", "serieslength"):
        raise SourceError(f"{where}: unknown or unsupported header tag @{key}")
    header[key] = value
    return False


def _case(where: str, line: str, header: dict[str, str]) -> tuple[np.ndarray, str]:
    *channels, label = line.split(":")
    if not channels:
        raise SourceError(f"{where}: no ':' between the channels and the class label")
    if label not in header["classlabel"].split():
        raise SourceError(f"{where}: unknown class label {label!r}")
    n_channels = int(header.setdefault("dimensions", str(len(channels))))
    if len(channels) != n_channels:
        raise SourceError(f"{where}: {len(channels)} channels, header says {n_channels}")
    length = int(header.setdefault("serieslength", str(len(channels[0].split(",")))))
    missing_ok = header.get("missing", "false").lower() == "true"
    rows = []
    for c, channel in enumerate(channels, 1):
        tokens = channel.split(",")
        if len(tokens) != length:
            raise SourceError(f"{where}: channel {c} has {len(tokens)} values, expected {length}")
        rows.append([_value(f"{where}: channel {c}", t, missing_ok) for t in tokens])
    return np.array(rows, dtype=np.float64), label


def _value(where: str, token: str, missing_ok: bool) -> float:
    if token == "?" and missing_ok:
        return math.nan
    try:
        value = float(token)
    except ValueError:
        raise SourceError(f"{where}: {token!r} is not a number") from None
    if not math.isfinite(value):
        raise SourceError(f"{where}: non-finite value {token!r}")
    return value
