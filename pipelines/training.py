"""The training pipeline: ingest -> landmark -> split -> train -> evaluate -> register.

Run it as ``zenml pipeline run pipelines.training.training_pipeline -c
pipelines/configs/demo.yaml`` or ``hawkeye run demo`` (the same code path).
"""

from zenml import pipeline

import steps
from hawkeye.config import ZERO_SHOT, RunConfig
from hawkeye.data.fingerprint import dataset_fingerprint
from pipelines.stack_info import experiment_settings


@pipeline(enable_cache=True)
def training_pipeline(dataset: dict, split: dict, model: dict, registry: dict) -> None:
    # This body runs when the pipeline is compiled: validate the whole configuration
    # up front and hash the data so that changed files miss the step cache.
    cfg = RunConfig.model_validate(
        {"dataset": dataset, "split": split, "model": model, "registry": registry}
    )
    fingerprint = dataset_fingerprint(cfg.dataset)
    tracked = {"settings": experiment_settings(cfg.registry.model_name)}

    manifest, ingest_quarantine = steps.ingest(dataset=dataset, fingerprint=fingerprint)
    features, landmark_quarantine = steps.landmark(
        manifest=manifest, dataset=dataset, landmarks=cfg.model.name not in ZERO_SHOT
    )
    folds = steps.split(features=features, split=split)
    trained, predictions = steps.train.with_options(**tracked)(
        features=features, folds=folds, model=model, dataset=dataset, fingerprint=fingerprint
    )
    report = steps.evaluate.with_options(**tracked)(
        predictions=predictions,
        folds=folds,
        ingest_quarantine=ingest_quarantine,
        landmark_quarantine=landmark_quarantine,
        dataset=dataset,
    )
    steps.register.with_options(**tracked)(
        model=trained,
        features=features,
        report=report,
        registry=registry,
        dataset=dataset,
        fingerprint=fingerprint,
    )
