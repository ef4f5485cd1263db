"""The feature table contract: identity columns first, then stable feature columns."""

from __future__ import annotations

import pandas as pd

ID_COLUMNS = ["sample_id", "subject_id", "task", "side", "label", "dataset"]
# Labels in time (task: segments): hawkeye.segments reads them, no model learns them.
LABELS_IN_TIME = ["segments", "segments_unit"]
# Manifest columns that travel with a recording but are neither identity nor features
# (``split``: a dataset's official train/test assignment, for the ``official`` split).
# source/layout/fps/width/height/duration: the recording itself, for zero-shot scorers and
# sequence models.
PASSTHROUGH = [
    "group_authors",
    "split",
    "source",
    "layout",
    "fps",
    "width",
    "height",
    "duration",
    "format",
    "case_index",
    *LABELS_IN_TIME,
]


def passthrough() -> list[str]:
    """PASSTHROUGH plus the columns a registered skeleton format re-reads a recording by
    (its ``reload_columns``), so that sequence models get them and no model learns them."""
    from hawkeye.data.readers import registry

    extra = (c for name in registry.names() for c in registry.get(name).reload_columns)
    return list(dict.fromkeys([*PASSTHROUGH, *extra]))


# Quality-control figures travel with the features but must not be learned from: a model
# that keys on detection rate scores the camera, not the patient.
QC_PREFIX = "qc_"


def feature_columns(table: pd.DataFrame) -> list[str]:
    skip = set(ID_COLUMNS) | set(passthrough())
    return [c for c in table.columns if c not in skip and not str(c).startswith(QC_PREFIX)]


def identity(manifest: pd.DataFrame) -> pd.DataFrame:
    cols = ID_COLUMNS + [c for c in passthrough() if c in manifest.columns]
    return manifest[cols].reset_index(drop=True)
