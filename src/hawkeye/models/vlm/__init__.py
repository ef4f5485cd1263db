"""Zero-shot video scorers: a vision-language model rates each video against the task's rubric.

- :mod:`~hawkeye.models.vlm.base`: ``VideoScorer``, what every scorer shares;
- :mod:`~hawkeye.models.vlm.local`: ``VLMScorer``, a local model (transformers);
- :mod:`~hawkeye.models.vlm.api`: ``APIScorer``, a model behind an HTTP API;
- :mod:`~hawkeye.models.vlm.frames`, :mod:`~hawkeye.models.vlm.rubrics`,
  :mod:`~hawkeye.models.vlm.answers`: frame sampling, prompts, reading the answer.

Importing this package is cheap; the names below load their module when first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hawkeye.config import ModelConfig

_WHERE = {
    "VideoScorer": "base",
    "STATUSES": "base",
    "VIDEO_ERROR": "base",
    "DETAIL_COLUMNS": "base",
    "summarize_details": "base",
    "VLMScorer": "local",
    "ModelNotFoundError": "local",
    "choose_device": "local",
    "load_plan": "local",
    "APIScorer": "api",
    "APIScorerError": "api",
    "RemoteFramesRefused": "api",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"hawkeye.models.vlm.{_WHERE[name]}"), name)
    raise AttributeError(name)


def local_from_config(cfg: ModelConfig, task: str, min_label: int, max_label: int) -> Any:
    """The registry's builder of ``vlm``: ``params`` are the scorer's settings."""
    from hawkeye.models.vlm.local import VLMScorer

    return VLMScorer(**cfg.params, task=task, min_label=min_label, max_label=max_label)


def api_from_config(cfg: ModelConfig, task: str, min_label: int, max_label: int) -> Any:
    """The registry's builder of ``vlm_api``: ``params`` are the scorer's settings."""
    from hawkeye.models.vlm.api import APIScorer

    return APIScorer(**cfg.params, task=task, min_label=min_label, max_label=max_label)
