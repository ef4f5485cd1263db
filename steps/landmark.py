"""landmark: landmark sequences -> one feature row a recording (a no-op for feature tables)."""

from typing import Annotated

import pandas as pd
from zenml import log_metadata, step

from hawkeye.config import DatasetConfig
from hawkeye.features.extract import build_features
from steps.cache import DOMAIN_CACHE
from steps.run_state import mark_process


@step(cache_policy=DOMAIN_CACHE)
def landmark(
    manifest: pd.DataFrame, dataset: DatasetConfig, landmarks: bool = True
) -> tuple[Annotated[pd.DataFrame, "features"], Annotated[pd.DataFrame, "landmark_quarantine"]]:
    """``landmarks=False`` for zero-shot video scorers, which need the videos, not landmarks."""
    mark_process()
    result = build_features(manifest, dataset, landmarks)
    log_metadata(
        metadata={"recordings": len(result.features), "quarantined": len(result.quarantine)}
    )
    return result.features, result.quarantine
