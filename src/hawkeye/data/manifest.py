"""The manifest contract: one row a recording, grouped by ``subject_id`` everywhere.

The contract is a pandera schema (:func:`manifest_schema`). Ingest validates
a whole dataset with it lazily, so every broken row is found in one pass, and
:func:`row_failures` turns pandera's failure cases into one plain reason a
row (``missing subject_id``, ``label 7 outside 0..4``, ``duplicate
sample_id``) for the quarantine, instead of failing the run. Only a broken
table (a required column missing) is an error of the dataset as a whole.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import pandera.pandas as pa

from hawkeye.errors import HawkeyeError

REQUIRED = ["sample_id", "subject_id", "task", "side", "label", "source", "fps", "dataset"]


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _filled(value: Any) -> bool:
    return str(value).strip() != ""


def _is_number(value: Any) -> bool:
    return _number(value) is not None


def _label_in_range(min_label: int, max_label: int) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        number = _number(value)
        if number is None:  # reported by is_number, once
            return True
        return number == int(number) and min_label <= int(number) <= max_label

    return check


def _positive(value: Any) -> bool:
    number = _number(value)
    return number is not None and number > 0


def manifest_schema(
    min_label: int = 0, max_label: int = 4, needs_fps: bool = True
) -> pa.DataFrameSchema:
    """The row rules of a manifest; extra columns (richer labels, features) are allowed.

    Feature tables carry no frame rate (``needs_fps=False``); landmark
    recordings must, since every time-based feature divides by it. Labels may
    arrive as text or floats (CSV files): a whole number in range is fine.
    """

    def element(fn: Callable[[Any], bool], name: str) -> pa.Check:
        return pa.Check(fn, element_wise=True, name=name)

    columns = {
        "sample_id": pa.Column(nullable=False, checks=element(_filled, "filled")),
        "subject_id": pa.Column(nullable=False, checks=element(_filled, "filled")),
        "task": pa.Column(nullable=True),
        "side": pa.Column(nullable=True),
        "label": pa.Column(
            nullable=False,
            checks=[
                element(_is_number, "is_number"),
                element(_label_in_range(min_label, max_label), "label_in_range"),
            ],
        ),
        "source": pa.Column(nullable=True),
        "fps": pa.Column(
            nullable=not needs_fps, checks=element(_positive, "positive") if needs_fps else []
        ),
        "dataset": pa.Column(nullable=True),
    }
    return pa.DataFrameSchema(columns, strict=False, name="manifest")


def unique_ids_schema() -> pa.DataFrameSchema:
    """A sample id appears once; later copies are the failures (the first is kept)."""
    return pa.DataFrameSchema(
        {"sample_id": pa.Column(unique=True, report_duplicates="exclude_first")},
        strict=False,
        name="manifest_ids",
    )


class SchemaMismatch(HawkeyeError, ValueError):
    """The table as a whole breaks its schema (a missing column); the message names it."""


Wording = Callable[[str, str, Any], str]  # (column, check name, value) -> reason


def row_failures(schema: pa.DataFrameSchema, frame: pd.DataFrame, word: Wording) -> dict[Any, str]:
    """Validate ``frame`` lazily; ``{index: reason}`` for every row that fails.

    ``word(column, check, value)`` phrases one failure; a row failing several
    checks gets them all, joined with ``"; "``. Table-level failures (a
    missing column) raise :class:`SchemaMismatch` naming them. ``frame``
    needs a unique index (the reasons are keyed by it).
    """
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return {}
    table_level = cases[cases["index"].isna()]
    if len(table_level):
        missing = [
            str(case)
            for case, check in zip(table_level["failure_case"], table_level["check"], strict=True)
            if check == "column_in_dataframe"
        ]
        if missing:
            raise SchemaMismatch(f"lacks required column(s) {missing}")
        found = ", ".join(f"{c}: {k}" for c, k in table_level[["column", "check"]].to_numpy())
        raise SchemaMismatch(f"breaks the {schema.name} schema ({found})")
    reasons: dict[Any, list[str]] = {}
    for column, check, index in cases[["column", "check", "index"]].itertuples(index=False):
        value = frame.at[index, column] if column in frame.columns else None
        reason = word(str(column), str(check), value)
        if reason not in reasons.setdefault(index, []):
            reasons[index].append(reason)
    return {index: "; ".join(parts) for index, parts in reasons.items()}


def manifest_wording(min_label: int, max_label: int) -> Wording:
    """Plain reasons for the manifest's checks, the label range included."""

    def word(column: str, check: str, value: Any) -> str:
        if check in ("filled", "not_nullable") and column != "fps":
            return f"missing {column}"
        if check in ("positive", "not_nullable"):
            return f"fps {value!r} is not a positive number"
        if check == "is_number":
            return f"label {value!r} is not a number"
        if check == "label_in_range":
            number = _number(value)
            if number is not None and number != int(number):
                return f"label {value!r} is not a whole score (labels are {min_label}..{max_label})"
            return f"label {value!r} outside {min_label}..{max_label}"
        if check == "field_uniqueness":
            return f"duplicate {column}"
        return f"{column} {value!r} fails {check}"

    return word


def schema_failures(
    frame: pd.DataFrame, min_label: int, max_label: int, needs_fps: bool = True
) -> dict[Any, str]:
    """``{index: reason}`` for the rows of ``frame`` that break the manifest's row rules."""
    schema = manifest_schema(min_label, max_label, needs_fps)
    return row_failures(schema, frame, manifest_wording(min_label, max_label))


def duplicate_failures(frame: pd.DataFrame) -> dict[Any, str]:
    """``{index: "duplicate sample_id"}`` for every repeat of a sample id after its first row.

    Run it on the rows that pass every other check, so that the first *good*
    row keeps the id, as one would fix a dataset by hand.
    """
    ids = frame[["sample_id"]].astype(str)
    return row_failures(unique_ids_schema(), ids, manifest_wording(0, 0))


def conflicting_sources(frame: pd.DataFrame) -> dict[Any, str]:
    """Rows that name the same recording file with different subjects or labels: all of them.

    Which row is right cannot be told from the sheet, so none is kept silently; the reason
    names what disagrees so the sheet can be fixed.
    """
    if "source" not in frame.columns or frame.empty:
        return {}
    out: dict[Any, str] = {}
    for source, rows in frame.groupby(frame["source"].astype(str)):
        if len(rows) < 2:
            continue
        differing = [
            c for c in ("subject_id", "label") if rows[c].astype(str).nunique(dropna=False) > 1
        ]
        if differing:
            values = "; ".join(
                f"{c}: {', '.join(sorted(rows[c].astype(str).unique()))}" for c in differing
            )
            for idx in rows.index:
                out[idx] = f"{source} is listed {len(rows)} times with different {values}"
    return out


def missing_columns(frame: pd.DataFrame, required: list[str]) -> list[str]:
    return [c for c in required if c not in frame.columns]
