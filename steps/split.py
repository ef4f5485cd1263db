"""split: subject-grouped folds, checked for leakage; the split is a versioned artifact."""

from typing import Annotated

import pandas as pd
from zenml import log_metadata, step

from hawkeye.config import SplitConfig
from hawkeye.splits import make_folds, split_hash
from steps.cache import DOMAIN_CACHE
from steps.run_state import mark_process


@step(cache_policy=DOMAIN_CACHE)
def split(features: pd.DataFrame, split: SplitConfig) -> Annotated[pd.DataFrame, "folds"]:
    mark_process()
    folds = make_folds(features, split)
    log_metadata(
        metadata={
            "split_hash": split_hash(folds),
            "test_folds": int(folds.loc[folds["fold"] >= 0, "fold"].nunique()),
            "subjects": int(folds["subject_id"].nunique()),
        }
    )
    return folds
