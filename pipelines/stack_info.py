"""What the active ZenML stack says about MLflow, for code that runs at pipeline compile time."""

import os

from zenml.client import Client

from hawkeye.tracking import default_tracking_uri


def mlflow_tracker():
    """The active stack's MLflow experiment tracker, or None."""
    tracker = Client().active_stack.experiment_tracker
    return tracker if tracker is not None and tracker.flavor == "mlflow" else None


def tracking_uri() -> str:
    """Where the active stack's MLflow lives (falls back to the project's own store)."""
    tracker = mlflow_tracker()
    if tracker is not None:
        return tracker.get_tracking_uri()
    return os.environ.get("MLFLOW_TRACKING_URI") or default_tracking_uri()
