"""What every training-side pipeline starts with: resolve the configuration, then
ingest -> landmark -> split, in one place.

Runs when a pipeline is compiled: the configuration is validated as a whole (its
``extends`` layers merged) before any step starts, and the data's content fingerprint
goes to ``ingest`` so that changed files miss the step cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import steps
from hawkeye.config import RunConfig, resolve_run_config
from hawkeye.data.fingerprint import dataset_fingerprint
from hawkeye.models.registry import zero_shot_names


@dataclass(frozen=True)
class Prepared:
    """The resolved configuration and the prefix's step outputs (ZenML artifact handles)."""

    cfg: RunConfig
    fingerprint: str
    features: Any
    folds: Any
    ingest_quarantine: Any
    landmark_quarantine: Any


def run_config(**parameters: Any) -> RunConfig:
    """The pipeline's parameters as one validated configuration."""
    return resolve_run_config(parameters, where="pipeline parameters")


def prepare(cfg: RunConfig) -> Prepared:
    """ingest -> landmark -> split for ``cfg``; zero-shot scorers get videos, not landmarks."""
    dataset = cfg.dataset
    fingerprint = dataset_fingerprint(cfg.dataset)
    manifest, ingest_quarantine = steps.ingest(dataset=dataset, fingerprint=fingerprint)
    features, landmark_quarantine = steps.landmark(
        manifest=manifest, dataset=dataset, landmarks=cfg.model.name not in zero_shot_names()
    )
    folds = steps.split(features=features, split=cfg.split)
    return Prepared(cfg, fingerprint, features, folds, ingest_quarantine, landmark_quarantine)
