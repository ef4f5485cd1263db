"""Hyperparameter search: ingest -> landmark -> split -> tune, on the training run's folds.

``hawkeye tune demo --trials 20`` or ``zenml pipeline run pipelines.tuning.tuning_pipeline -c
CONFIG`` with ``n_trials`` added to its parameters. Give the ``tune`` step a step operator
in the run configuration to carry the trials to a SLURM or cloud stack.
"""

from zenml import pipeline

import steps
from hawkeye.config import RunConfig
from hawkeye.data.fingerprint import dataset_fingerprint
from pipelines.stack_info import experiment_settings
from steps.tune import tune


@pipeline(enable_cache=True)
def tuning_pipeline(
    dataset: dict, split: dict, model: dict, registry: dict, n_trials: int = 20
) -> None:
    cfg = RunConfig.model_validate(
        {"dataset": dataset, "split": split, "model": model, "registry": registry}
    )
    settings = experiment_settings(f"{cfg.registry.model_name}-tuning")
    manifest, _ = steps.ingest(dataset=dataset, fingerprint=dataset_fingerprint(cfg.dataset))
    features, _ = steps.landmark(manifest=manifest, dataset=dataset)
    folds = steps.split(features=features, split=split)
    tune.with_options(settings=settings)(
        features=features,
        folds=folds,
        model=model,
        dataset=dataset,
        registry=registry,
        n_trials=n_trials,
    )
