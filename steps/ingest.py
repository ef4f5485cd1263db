"""ingest: read + validate the dataset into the manifest; bad rows to the quarantine."""

from typing import Annotated

import pandas as pd
from zenml import log_metadata, step

from hawkeye.config import DatasetConfig
from hawkeye.data.ingest import ingest as ingest_dataset
from steps.cache import DOMAIN_CACHE
from steps.run_state import mark_process


@step(cache_policy=DOMAIN_CACHE)
def ingest(
    dataset: DatasetConfig, fingerprint: str
) -> tuple[Annotated[pd.DataFrame, "manifest"], Annotated[pd.DataFrame, "ingest_quarantine"]]:
    """``fingerprint`` (the data's content hash) is only here so changed data misses the cache."""
    mark_process()
    result = ingest_dataset(dataset)
    log_metadata(
        metadata={
            "recordings": len(result.manifest),
            "quarantined": len(result.quarantine),
            "data_fingerprint": fingerprint,
        }
    )
    return result.manifest, result.quarantine
