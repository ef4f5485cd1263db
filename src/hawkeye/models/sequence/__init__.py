"""Sequence models over landmark sequences (torch + Lightning), behind the estimator contract.

Importing this package is cheap; the estimators load torch and Lightning when first named::

    from hawkeye.models.sequence import SequenceModel, SequenceAutoencoder
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hawkeye.models.sequence.names import ARCHITECTURES, ONE_CLASS, PRESETS, SEQUENCE_MODELS

if TYPE_CHECKING:
    from hawkeye.config import ModelConfig

__all__ = [
    "ARCHITECTURES",
    "ONE_CLASS",
    "PRESETS",
    "SEQUENCE_MODELS",
    "SequenceAutoencoder",
    "SequenceModel",
    "build_sequence_model",
    "from_config",
]


def build_sequence_model(
    name: str,
    mode: str = "regression",
    params: dict[str, Any] | None = None,
    min_label: int = 0,
    max_label: int = 4,
    seed: int = 0,
) -> Any:
    """The estimator a ``ModelConfig.name`` in :data:`SEQUENCE_MODELS` names."""
    if name in ONE_CLASS:
        from hawkeye.models.sequence.oneclass import SequenceAutoencoder

        params = dict(params or {})
        normal = params.pop("normal_label", None)
        return SequenceAutoencoder(params, normal, min_label, max_label, seed)
    from hawkeye.models.sequence.estimator import SequenceModel

    return SequenceModel(name, mode, params, min_label, max_label, seed)


def from_config(cfg: ModelConfig, task: str, min_label: int, max_label: int) -> Any:
    """The registry's builder of a sequence model (``task`` is the recordings' own)."""
    return build_sequence_model(cfg.name, cfg.mode, cfg.params, min_label, max_label, cfg.seed)


def __getattr__(name: str) -> Any:
    if name == "SequenceModel":
        from hawkeye.models.sequence.estimator import SequenceModel

        return SequenceModel
    if name == "SequenceAutoencoder":
        from hawkeye.models.sequence.oneclass import SequenceAutoencoder

        return SequenceAutoencoder
    raise AttributeError(name)
