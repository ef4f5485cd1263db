"""ZenML steps: each a thin wrapper over one function of the ``hawkeye`` package."""

import logging

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
