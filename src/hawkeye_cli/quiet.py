"""A quiet console: what a person running Hawkeye needs to read, not what the libraries say.

By default the CLI shows one line per pipeline step with its timing, the progress bars
and warnings of Hawkeye itself, and the summary last. MLflow's INFO chatter (system
metrics start/stop, "Successfully registered model"), ZenML's banner lines, Python
warnings from libraries and MediaPipe's C++ (glog/absl/TFLite) lines are held back;
``hawkeye --verbose ...`` shows everything. Nothing here changes what is logged to MLflow;
ZenML's step logs keep every logging record but, quietly, not bare ``print`` output.
"""

from __future__ import annotations

import logging
import os
import re

# ZenML INFO lines worth a person's attention: a step's end with its time, a cache hit.
_KEPT = re.compile(
    r"(Step .* has finished in|Using cached version of step|Pipeline run has finished"
    r"|has failed|Failed to run)"
)
_NOISY_ENV = {
    "MLFLOW_LOGGING_LEVEL": "WARNING",
    "GLOG_minloglevel": "2",  # MediaPipe's C++ logs: warnings and errors only ...
    "TF_CPP_MIN_LOG_LEVEL": "3",  # ... and TFLite's
    "ZENML_ENABLE_RICH_TRACEBACK": "false",
    # ZenML echoes every print() of a step (MLflow's "Created version ..." among them) a
    # second time with a [step] prefix; step *logging* still reaches the step logs.
    "ZENML_CAPTURE_PRINTS": "false",
}


class QuietFilter(logging.Filter):
    """Keep warnings and errors of every logger, Hawkeye's own INFO, and ZenML step lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "py.warnings":  # library UserWarnings routed into logging
            return False
        if record.levelno >= logging.WARNING:
            return True
        if record.name.startswith("zenml"):
            return bool(_KEPT.search(record.getMessage()))
        # Hawkeye's own INFO, and its stacks' (e.g. "Submitted step train as SLURM job 7").
        return record.name.startswith(("hawkeye", "stacks"))


def quiet(verbose: bool) -> None:
    """Set the environment before MLflow, ZenML or MediaPipe start (workers inherit it)."""
    if verbose:
        return
    for key, value in _NOISY_ENV.items():
        os.environ.setdefault(key, value)


def quiet_loggers(verbose: bool) -> None:
    """Once ZenML has set up its handlers: filter them (call after importing zenml)."""
    if verbose:
        return
    from mlflow.utils.logging_utils import disable_logging

    disable_logging()  # MLflow's own stream: "Successfully registered model ...", etc.
    quiet_filter = QuietFilter()
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, QuietFilter) for f in handler.filters):
            handler.addFilter(quiet_filter)
    logging.getLogger("mlflow").setLevel(logging.WARNING)
