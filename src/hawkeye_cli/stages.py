"""``hawkeye stage ...``: the pipeline's stages on files, as ``dvc.yaml`` calls them.

Each stage calls the same domain function as its ZenML step, reading and
writing parquet under ``--work`` instead of ZenML artifacts, so ``dvc repro``
and ``zenml pipeline run`` compute the same numbers.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from hawkeye.config import load_run_config
from hawkeye_cli.common import console, group

stage_app = group("Pipeline stages on files, as dvc.yaml calls them.")
PARAMS = typer.Option(
    Path("params.yaml"), help="run parameters: params.yaml or any run configuration"
)
WORK = typer.Option(Path("data/processed"), help="folder of intermediate files")


def register(app: typer.Typer) -> None:
    app.add_typer(stage_app, name="stage")


def _stage(fn: Callable[..., None]) -> Callable[..., None]:
    """Register a stage command; a missing input file (an earlier stage not run) is a message."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except FileNotFoundError as exc:
            console.print(f"[red]{exc}[/red] (run the earlier stages first: `dvc repro`)")
            raise typer.Exit(1) from exc

    return stage_app.command(fn.__name__.removeprefix("stage_"))(wrapper)


def _save(work: Path, name: str, table: pd.DataFrame, stage: str, quarantine: pd.DataFrame) -> None:
    """A stage's table as parquet and its quarantine as a CSV people can open."""
    work.mkdir(parents=True, exist_ok=True)
    table.to_parquet(work / f"{name}.parquet", index=False)
    quarantine.to_csv(work / f"quarantine_{stage}.csv", index=False)
    print(f"{stage}: {len(table)} rows in {name}.parquet, {len(quarantine)} quarantined")


@_stage
def stage_ingest(params: Path = PARAMS, work: Path = WORK) -> None:
    """Dataset -> manifest.parquet + quarantine_ingest.csv."""
    from hawkeye.data.ingest import ingest

    result = ingest(load_run_config(params).dataset)
    _save(work, "manifest", result.manifest, "ingest", result.quarantine)


@_stage
def stage_landmark(params: Path = PARAMS, work: Path = WORK) -> None:
    """manifest.parquet -> features.parquet + quarantine_landmark.csv."""
    from hawkeye.features.extract import build_features

    result = build_features(
        pd.read_parquet(work / "manifest.parquet"), load_run_config(params).dataset
    )
    _save(work, "features", result.features, "landmark", result.quarantine)


@_stage
def stage_split(params: Path = PARAMS, work: Path = WORK) -> None:
    """features.parquet -> folds.parquet (subject-grouped, leakage-checked)."""
    from hawkeye.splits import make_folds, split_hash

    folds = make_folds(pd.read_parquet(work / "features.parquet"), load_run_config(params).split)
    folds.to_parquet(work / "folds.parquet", index=False)
    tested = folds.loc[folds["fold"] >= 0, "fold"].nunique()  # -1: train-only (official split)
    print(f"{tested} test fold(s), split {split_hash(folds)}")


@_stage
def stage_train(params: Path = PARAMS, work: Path = WORK) -> None:
    """features + folds -> model.skops + predictions.parquet (out-of-fold).

    The ``$HAWKEYE_ENV`` profile applies as in the train step (``hawkeye.profiles.apply``).
    """
    import skops.io

    from hawkeye.profiles import apply_current
    from hawkeye.training import cross_validate

    cfg = load_run_config(params)
    model_cfg, applied = apply_current(cfg.model)
    if applied.changed or applied.kept:
        shown = ", ".join(f"{k}={v}" for k, v in applied.changed.items()) or "nothing"
        kept = f"; the configuration keeps {', '.join(sorted(applied.kept))}" * bool(applied.kept)
        print(f"profile {applied.profile}: {shown}{kept}")
    result = cross_validate(
        pd.read_parquet(work / "features.parquet"),
        pd.read_parquet(work / "folds.parquet"),
        model_cfg,
        cfg.dataset.min_label,
        cfg.dataset.max_label,
        task=cfg.dataset.task,
    )
    skops.io.dump(result.model, work / "model.skops")
    result.predictions.to_parquet(work / "predictions.parquet", index=False)
    print(f"trained {cfg.model.name} in {result.fit_seconds:.1f} s")


@_stage
def stage_evaluate(
    params: Path = PARAMS,
    work: Path = WORK,
    reports: Path = typer.Option(Path("reports/demo"), help="metrics and plots folder"),
) -> None:
    """predictions -> metrics.json, confusion.png, predictions.csv (beside the baselines)."""
    from hawkeye.evaluation.metrics import (
        confusion_figure,
        evaluate_run,
        predicted_vs_rated_figure,
        summary_table,
    )

    cfg = load_run_config(params)
    lo, hi = cfg.dataset.min_label, cfg.dataset.max_label
    predictions = pd.read_parquet(work / "predictions.parquet")
    folds = pd.read_parquet(work / "folds.parquet")
    report = evaluate_run(predictions, folds, lo, hi, cfg.dataset.task)
    reports.mkdir(parents=True, exist_ok=True)
    # Pooled out-of-fold figures, nested by predictor: `dvc metrics show/diff` prints model.mae, ...
    metrics: dict[str, Any] = {
        who: {k: round(v, 6) for k, v in m.items()} for who, m in report["pooled"].items()
    }
    metrics["split_hash"] = report["split_hash"]
    (reports / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    predictions.to_csv(reports / "predictions.csv", index=False)
    y, score = predictions["label"], predictions["score"]
    # PNG plots: `dvc plots show` embeds them as images, so the page needs no CDN (vega).
    confusion_figure(y, score, lo, hi).savefig(reports / "confusion.png")
    predicted_vs_rated_figure(y, score, lo, hi).savefig(reports / "predicted_vs_rated.png")
    print(summary_table(report))
