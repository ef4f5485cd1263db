"""Where ``APIScorer`` lived before :mod:`hawkeye.models.vlm.api`: versions registered
before the move unpickle through this name."""

from hawkeye.models.vlm.api import APIScorer

__all__ = ["APIScorer"]
