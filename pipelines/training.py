"""The training pipeline: ingest -> landmark -> split -> train -> evaluate -> register.

Run it as ``zenml pipeline run pipelines.training.training_pipeline -c
pipelines/configs/demo.yaml`` or ``hawkeye run demo`` (the same code path). Parameters
as in a run configuration; ``extends`` names the layers they build on
(hawkeye.config_files).
"""

from zenml import pipeline

import steps
from pipelines.prefix import prepare, run_config
from pipelines.stack_info import experiment_settings


@pipeline(enable_cache=True)
def training_pipeline(
    dataset: dict | None = None,
    split: dict | None = None,
    model: dict | None = None,
    registry: dict | None = None,
    extends: str | list[str] | None = None,
) -> None:
    cfg = run_config(dataset=dataset, split=split, model=model, registry=registry, extends=extends)
    run = prepare(cfg)
    tracked = {"settings": experiment_settings(cfg.registry.model_name)}
    trained, predictions = steps.train.with_options(**tracked)(
        features=run.features,
        folds=run.folds,
        model=cfg.model,
        dataset=cfg.dataset,
        fingerprint=run.fingerprint,
    )
    report = steps.evaluate.with_options(**tracked)(
        predictions=predictions,
        folds=run.folds,
        ingest_quarantine=run.ingest_quarantine,
        landmark_quarantine=run.landmark_quarantine,
        dataset=cfg.dataset,
    )
    steps.register.with_options(**tracked)(
        model=trained,
        features=run.features,
        report=report,
        registry=cfg.registry,
        dataset=cfg.dataset,
        fingerprint=run.fingerprint,
    )
