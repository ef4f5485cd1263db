"""Hyperparameter search: ingest -> landmark -> split -> tune, on the training run's folds.

``hawkeye tune demo --trials 20`` or ``zenml pipeline run pipelines.tuning.tuning_pipeline -c
CONFIG`` with ``n_trials`` added to its parameters. Give the ``tune`` step a step operator
in the run configuration to carry the trials to a SLURM or cloud stack.
"""

from zenml import pipeline

from pipelines.prefix import prepare, run_config
from pipelines.stack_info import experiment_settings
from steps.tune import tune


@pipeline(enable_cache=True)
def tuning_pipeline(
    dataset: dict | None = None,
    split: dict | None = None,
    model: dict | None = None,
    registry: dict | None = None,
    extends: str | list[str] | None = None,
    n_trials: int = 20,
) -> None:
    cfg = run_config(dataset=dataset, split=split, model=model, registry=registry, extends=extends)
    run = prepare(cfg)
    tune.with_options(settings=experiment_settings(f"{cfg.registry.model_name}-tuning"))(
        features=run.features,
        folds=run.folds,
        model=cfg.model,
        dataset=cfg.dataset,
        registry=cfg.registry,
        n_trials=n_trials,
    )
