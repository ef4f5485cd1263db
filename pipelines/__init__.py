"""ZenML pipelines composed from ``steps/``; run configurations live in ``configs/``."""
