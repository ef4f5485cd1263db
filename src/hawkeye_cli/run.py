"""``hawkeye run`` and ``hawkeye tune``: the training and tuning pipelines on a stack."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

from hawkeye.config import load_run_config
from hawkeye_cli.common import (
    config_path,
    console,
    ensure_stack,
    enter_project,
    quiet_loggers,
    step_output,
    tracking_uri,
)


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(tune)


def _sweep_stale_runs() -> None:
    """Close the runs an earlier, killed process left RUNNING (MLflow) / running (ZenML)."""
    from hawkeye.tracking.stale import sweep_mlflow
    from pipelines.run_state import sweep_zenml

    failed = sweep_zenml()
    closed = sweep_mlflow(tracking_uri(), set(failed))  # ZenML names its MLflow runs alike
    if closed or failed:
        console.print(
            f"[yellow]closed {len(closed)} MLflow run(s) and {len(failed)} ZenML run(s) "
            f"whose process had died ({', '.join(failed) or 'MLflow only'})[/yellow]"
        )


def _stack_for(path: Path) -> str | None:
    """The stack whose step operator the run configuration names (slurm, cloud-gpu), if any."""
    import yaml

    from stacks.bringup import stack_with_operator

    steps_cfg = (yaml.safe_load(path.read_text()) or {}).get("steps") or {}
    operators = {(c or {}).get("step_operator") for c in steps_cfg.values()} - {None}
    return next((s for op in sorted(operators) if (s := stack_with_operator(op))), None)


def _with_model(path: Path, model: str) -> Path:
    """A copy of a run configuration training another model, under the run state folder."""
    from hawkeye.config_files import with_model
    from hawkeye.paths import state_dir

    out = state_dir() / "configs" / f"{path.stem}-{model}.yaml"
    return with_model(path, model, out)


def _train(path: Path, cache: bool) -> tuple[Any, float]:
    from pipelines.training import training_pipeline

    cfg = load_run_config(path)
    # Runs named for what they are: dataset and model (the MLflow run takes this name too).
    name = f"{cfg.dataset.name}-{cfg.model.name}-{{date}}-{{time}}"
    start = time.perf_counter()
    try:
        result = training_pipeline.with_options(
            config_path=str(path), enable_cache=cache, run_name=name
        )()
    except Exception as exc:  # the failing step has logged its error above; no traceback on top
        console.print(
            f"[red]Pipeline failed: {exc}[/red]\nThe failing step's log above says why; "
            "fix the input or configuration and run again (finished steps are cached)."
        )
        raise typer.Exit(1) from exc
    return result, time.perf_counter() - start


def _print_run(result: Any, stack: str, wall: float, cfg: Any, report: dict, outcome: dict) -> None:
    from hawkeye.evaluation.metrics import summary_table

    cached = all(step.status.value == "cached" for step in result.steps.values())
    console.print(f"\n[bold]{result.name}[/bold] on {stack}: {result.status.value} in {wall:.1f} s")
    console.print(
        f"{cfg.dataset.name}: {report['n_samples']} recordings, {report['n_subjects']} "
        f"subjects, {report['n_folds']} subject-grouped folds (out-of-fold figures)\n"
    )
    console.print(summary_table(report))
    q = report.get("quarantined", {})
    if any(q.values()):
        console.print(
            f"\n[yellow]quarantined: {q.get('ingest', 0)} at ingest, "
            f"{q.get('landmark', 0)} at landmark[/yellow] (each with its reason: MLflow "
            "artifact quality/quarantine.csv of this run)"
        )
    else:
        console.print("\nquarantined: none")
    console.print(
        f"\nmodel {outcome['model_name']} v{outcome['version']} -> {outcome['alias']}: "
        f"{outcome['reason']}"
        + (
            "\n(every step was served from the cache: nothing retrained or re-registered; "
            "--no-cache forces a new run)"
            if cached
            else ""
        )
    )


def run(
    config: str = typer.Argument(
        "demo", help="name in the project's run configurations (demo, park, ...) or a YAML path"
    ),
    model: str | None = typer.Option(
        None, help="train this model instead of the config's, or 'all' for every one in turn"
    ),
    stack: str | None = typer.Option(
        None,
        help="stack from stacks/ to bring up and use; default: the "
        "active stack if it has an experiment tracker, else 'local'",
    ),
    cache: bool = typer.Option(True, help="reuse unchanged steps from earlier runs"),
) -> None:
    """Run the training pipeline with a run configuration (same as `zenml pipeline run`)."""
    from hawkeye.models.registry import names as model_names
    from hawkeye.models.registry import trainable

    here = Path.cwd()
    enter_project()
    path = config_path(config, here)
    cfg = load_run_config(path)  # fail on a bad config before ZenML starts
    known = trainable()
    names = known if model == "all" else [model] if model else []
    unknown = [n for n in names if n not in model_names()]
    if unknown:
        console.print(f"[red]Unknown model {unknown[0]!r}[/red]; known: {', '.join(known)} or all")
        raise typer.Exit(2)
    stack_name = ensure_stack(stack or _stack_for(path))
    _sweep_stale_runs()
    runs = []
    for path_i in [_with_model(path, n) for n in names] or [path]:
        result, wall = _train(path_i, cache)
        report = step_output(result, "evaluate", "report")
        outcome = step_output(result, "register", "registration")
        runs.append((load_run_config(path_i).model.name, report, outcome))
        _print_run(result, stack_name, wall, cfg, report, outcome)
    if len(runs) > 1:
        from hawkeye.tracking import log_model_comparison

        table = log_model_comparison(runs, cfg.registry.model_name, tracking_uri())
        console.print(
            "\n[bold]All models, same split[/bold] (logged to MLflow as 'model-comparison'):"
        )
        print(table.round(3).to_string(index=False))
    from mlflow.tracking import MlflowClient

    exp = MlflowClient(tracking_uri()).get_experiment_by_name(cfg.registry.model_name)
    page = f"#/experiments/{exp.experiment_id}/runs" if exp is not None else ""
    console.print(
        "\nOpen the MLflow UI on these results:\n"
        f"  mlflow ui --backend-store-uri {tracking_uri()} --port 5000\n"
        f"  then browse http://127.0.0.1:5000/{page} (the training runs of "
        f"'{cfg.registry.model_name}'; model '{runs[-1][2]['model_name']}' under Models)"
    )


def tune(
    config: str = typer.Argument("demo", help="run configuration (its model and split are tuned)"),
    trials: int = typer.Option(20, help="Optuna trials to add to the study"),
    stack: str | None = typer.Option(None, help="stack to run on (see `hawkeye run --help`)"),
) -> None:
    """Hyperparameter search (Optuna) on the run's own subject-grouped folds; resumable."""
    here = Path.cwd()
    enter_project()
    path = config_path(config, here)
    cfg = load_run_config(path)
    ensure_stack(stack)
    quiet_loggers()
    from pipelines.tuning import tuning_pipeline

    try:
        result = tuning_pipeline.with_options(config_path=str(path))(n_trials=trials)
    except Exception as exc:
        console.print(f"[red]Tuning failed: {exc}[/red]")
        raise typer.Exit(1) from exc
    best = step_output(result, "tune", "best")
    metric = cfg.registry.gate.metric
    console.print(
        f"study {best['study']}: {best['trials']} trials, best {metric} {best[metric]:.4f}"
    )
    console.print("best parameters (put them under model.params to train with them):")
    print(json.dumps(best["params"], indent=2))
