"""Estimators with one scikit-learn contract: splits, metrics and the registry treat them alike."""

from hawkeye.models.classical import ScoreModel

__all__ = ["ScoreModel"]
