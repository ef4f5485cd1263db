"""ZenML steps: each a thin wrapper over one function of the ``hawkeye`` package."""

from steps.evaluate import evaluate
from steps.ingest import ingest
from steps.landmark import landmark
from steps.register import register
from steps.split import split
from steps.train import train

__all__ = ["evaluate", "ingest", "landmark", "register", "split", "train"]
