"""score: a registered model over a folder of videos -> a table of scores (and refusals)."""

from pathlib import Path
from typing import Annotated

import mlflow
import pandas as pd
from zenml import log_metadata, step

from hawkeye.config import DatasetConfig
from hawkeye.data.videos import scan_folder
from hawkeye.scoring import flat_scores, score_videos
from hawkeye.tracking import load
from steps.cache import DOMAIN_CACHE
from steps.run_state import mark_process


@step(experiment_tracker=True, cache_policy=DOMAIN_CACHE)
def score(
    videos: str, model_uri: str, side: str | None, folder_fingerprint: str
) -> Annotated[pd.DataFrame, "scores"]:
    """``model_uri`` names a concrete version and ``folder_fingerprint`` the folder's files, so a
    moved alias or a new video misses the cache."""
    mark_process()
    loaded = load(model_uri)
    dataset = DatasetConfig.model_validate(loaded.dataset_config)
    table = flat_scores(score_videos(loaded.model, dataset, scan_folder(Path(videos)), side))
    scored = int((table["status"] == "scored").sum()) if len(table) else 0
    mlflow.set_tags({"model_uri": model_uri, "videos": videos, "task": dataset.task})
    mlflow.log_metrics({"videos": len(table), "scored": scored, "refused": len(table) - scored})
    if len(table):
        mlflow.log_table(table, "scores/scores.json")
    log_metadata(metadata={"videos": len(table), "scored": scored, "model_uri": model_uri})
    return table
