"""The feature table contract as a pandera schema, with per-row failures for the quarantine.

One row a recording: the identity columns of :mod:`hawkeye.features.table`
(unique ``sample_id``, non-empty ``subject_id``, a whole ``label`` in range),
then numeric feature columns. A row is unusable when a feature is infinite
(no model takes it) or when no feature could be computed at all; such rows
are quarantined with the reason, NaN features alone are fine (the models
impute them). A non-numeric feature column is a bug in a feature module, not
bad data: it raises.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from hawkeye.data.manifest import manifest_wording, row_failures
from hawkeye.features.table import ID_COLUMNS, feature_columns


def feature_schema(table: pd.DataFrame, min_label: int, max_label: int) -> pa.DataFrameSchema:
    features = feature_columns(table)

    def finite(frame: pd.DataFrame) -> pd.Series:
        values = frame[features].to_numpy(dtype=float)
        return pd.Series(~np.isinf(values).any(axis=1), index=frame.index)

    def some_feature(frame: pd.DataFrame) -> pd.Series:
        return frame[features].notna().any(axis=1)

    columns: dict[str, pa.Column] = {c: pa.Column(nullable=True) for c in ID_COLUMNS}
    columns["sample_id"] = pa.Column(str, nullable=False, unique=True)
    columns["subject_id"] = pa.Column(
        nullable=False,
        checks=pa.Check(lambda v: str(v).strip() != "", element_wise=True, name="filled"),
    )
    columns["label"] = pa.Column(
        int, nullable=False, checks=pa.Check.in_range(min_label, max_label), coerce=True
    )
    columns |= {c: pa.Column(float, nullable=True, coerce=True) for c in features}
    checks = (
        [pa.Check(finite, name="finite_features"), pa.Check(some_feature, name="some_feature")]
        if features
        else []
    )
    return pa.DataFrameSchema(columns, checks=checks, strict=False, name="features")


def feature_failures(table: pd.DataFrame, min_label: int, max_label: int) -> dict[Any, str]:
    """``{index: reason}`` for rows that no model can use; raises on a broken table.

    ``table`` needs a unique index (reasons are keyed by it).
    """
    label_words = manifest_wording(min_label, max_label)

    def word(column: str, check: str, value: Any) -> str:
        if check == "finite_features":
            return INFINITE
        if check == "some_feature":
            return "no feature could be computed (all NaN)"
        if check.startswith("in_range"):
            return label_words(column, "label_in_range", value)
        return label_words(column, check, value)

    failures = row_failures(feature_schema(table, min_label, max_label), table, word)
    features = feature_columns(table)
    for index, reason in failures.items():
        if INFINITE in reason:
            values = table.loc[index, features].to_numpy(dtype=float)
            names = [f for f, v in zip(features, values, strict=True) if np.isinf(v)]
            shown = ", ".join(names[:5]) + (f" (+{len(names) - 5} more)" if len(names) > 5 else "")
            failures[index] = reason.replace(INFINITE, f"{INFINITE}: {shown}")
    return failures


INFINITE = "infinite feature value"
