"""ZenML steps: each a thin wrapper over one function of the ``hawkeye`` package."""

import logging
import os

from steps.evaluate import evaluate
from steps.ingest import ingest
from steps.landmark import landmark
from steps.register import register
from steps.split import split
from steps.train import train

__all__ = ["evaluate", "ingest", "landmark", "register", "split", "train"]

# ZenML's MLflow tracker switches off autologging for every framework MLflow knows, fastai
# included, and warns after each step when one is not installed. Nothing is wrong then;
# the warning would only teach users to ignore yellow lines.
logging.getLogger(
    "zenml.integrations.mlflow.experiment_trackers.mlflow_experiment_tracker"
).addFilter(lambda record: "Failed to disable MLflow autologging" not in record.getMessage())

# CPU, memory and GPU use of every tracked step in MLflow ("System metrics" tab), so the cost
# of a run can be compared across stacks. Read by MLflow when ZenML starts the step's run.
os.environ.setdefault("MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING", "true")
