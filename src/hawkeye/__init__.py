"""Hawkeye: validated, traceable models of clinical motor tasks from video.

The package is the domain layer: plain Python that ZenML steps, the CLI and
``dvc.yaml`` all call, so every entry point computes the same numbers.
"""

__version__ = "0.1.0"
