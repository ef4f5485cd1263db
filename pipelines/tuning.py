"""Hyperparameter search: ingest -> landmark -> split -> tune, on the training run's folds.

``hawkeye tune demo --trials 20`` or ``zenml pipeline run pipelines.tuning.tuning_pipeline -c
CONFIG`` with ``n_trials`` added to its parameters. Give the ``tune`` step a step operator
in the run configuration to carry the trials to a SLURM or cloud stack.
"""

from zenml import pipeline

import steps
from hawkeye.config import RunConfig
from hawkeye.data.fingerprint import dataset_fingerprint
from hawkeye.tracking import default_artifact_root, ensure_experiment
from pipelines.stack_info import mlflow_tracker, tracking_uri
from steps.tune import tune


@pipeline(enable_cache=True)
def tuning_pipeline(
    dataset: dict, split: dict, model: dict, registry: dict, n_trials: int = 20
) -> None:
    cfg = RunConfig.model_validate(
        {"dataset": dataset, "split": split, "model": model, "registry": registry}
    )
    settings = {}
    if mlflow_tracker() is not None:
        experiment = f"{cfg.registry.model_name}-tuning"
        ensure_experiment(experiment, tracking_uri(), default_artifact_root())
        settings = {"experiment_tracker": {"experiment_name": experiment}}
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
