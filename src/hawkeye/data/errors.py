"""Errors about a dataset as a whole, shared by ingest and every reader."""

from hawkeye.errors import HawkeyeError


class DatasetError(HawkeyeError, ValueError):
    """The dataset as a whole cannot be read; the message says what to fix."""
