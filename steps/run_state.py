"""Each step records which process runs it, so a run whose process dies can be closed later
(hawkeye.tracking.stale, pipelines/run_state.py)."""

import mlflow
from zenml import log_metadata

from hawkeye.tracking.stale import process_tags


def mark_process() -> None:
    """Into the step's ZenML metadata, and the active MLflow run's tags when there is one."""
    tags = process_tags()
    log_metadata(metadata=tags)
    if mlflow.active_run() is not None:
        mlflow.set_tags(tags)
