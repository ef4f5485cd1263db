"""Estimators under one contract (:mod:`hawkeye.models.base`), named once each in
:mod:`hawkeye.models.registry`.

Importing this package is cheap: the estimators load scikit-learn, XGBoost, torch or
transformers when first named.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ScoreModel"]


def __getattr__(name: str) -> Any:
    if name == "ScoreModel":
        from hawkeye.models.classical import ScoreModel

        return ScoreModel
    raise AttributeError(name)
