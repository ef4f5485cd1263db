"""Errors about a dataset as a whole, shared by ingest and every reader."""


class DatasetError(ValueError):
    """The dataset as a whole cannot be read; the message says what to fix."""
