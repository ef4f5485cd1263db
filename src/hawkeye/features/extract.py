"""The landmark stage: manifest in, one feature row a recording out, failures quarantined."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from tqdm.auto import tqdm

from hawkeye.config import DatasetConfig
from hawkeye.data.quarantine import Quarantine
from hawkeye.features import table
from hawkeye.features.tapping import tapping_features
from hawkeye.landmarks.sequence import LandmarkError, LandmarkSequence, load_sequence
from hawkeye.paths import resolve_data_path

EXTRACTORS: dict[str, Callable[[LandmarkSequence], dict[str, float]]] = {
    "finger_tapping": tapping_features,
}


@dataclass
class FeatureResult:
    features: pd.DataFrame
    quarantine: pd.DataFrame


def build_features(manifest: pd.DataFrame, cfg: DatasetConfig) -> FeatureResult:
    """Features for every recording; a feature-table dataset passes through unchanged."""
    if cfg.kind == "feature_table":
        return FeatureResult(
            manifest.drop(columns=["source", "fps"]).reset_index(drop=True),
            Quarantine("landmark").frame(),
        )
    if cfg.task not in EXTRACTORS:
        raise ValueError(f"no feature extractor for task {cfg.task!r}; known: {sorted(EXTRACTORS)}")
    extract = EXTRACTORS[cfg.task]
    quarantine = Quarantine("landmark")
    rows, kept = [], []
    for i, rec in tqdm(manifest.iterrows(), total=len(manifest), desc="features", unit="rec"):
        try:
            seq = load_sequence(
                resolve_data_path(rec["source"]), rec.get("layout", "mediapipe_hand_21"), rec["fps"]
            )
            rows.append(extract(seq))
            kept.append(i)
        except LandmarkError as exc:
            quarantine.add(rec["sample_id"], rec["source"], str(exc))
    quarantine.check_share(len(manifest), cfg.max_quarantine_share)
    ids = table.identity(manifest.loc[kept])
    return FeatureResult(pd.concat([ids, pd.DataFrame(rows)], axis=1), quarantine.frame())
