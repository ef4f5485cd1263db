"""What the active ZenML stack says about MLflow, for code that runs at pipeline compile time."""

from zenml.client import Client

from hawkeye.tracking import default_artifact_root, default_tracking_uri, ensure_experiment


def mlflow_tracker():
    """The active stack's MLflow experiment tracker, or None."""
    tracker = Client().active_stack.experiment_tracker
    return tracker if tracker is not None and tracker.flavor == "mlflow" else None


def tracking_uri() -> str:
    """Where the active stack's MLflow lives (falls back to the project's own store)."""
    tracker = mlflow_tracker()
    if tracker is not None:
        return tracker.get_tracking_uri()
    return default_tracking_uri()


def experiment_settings(experiment: str) -> dict:
    """Step settings that put tracked steps in ``experiment``, creating it first (with artifacts
    under the project state folder for a local store); empty without an MLflow tracker."""
    if mlflow_tracker() is None:
        return {}
    ensure_experiment(experiment, tracking_uri(), default_artifact_root())
    return {"experiment_tracker": {"experiment_name": experiment}}
