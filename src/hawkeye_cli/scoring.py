"""``hawkeye predict|score|evaluate|adapt``: registered models on new data.

Each command resolves its inputs, calls the domain (``scoring``, ``external``,
``report``) and the MLflow adapter (``tracking``), and prints what came out;
exit status 3 means that something was refused as untrustworthy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from hawkeye_cli.common import (
    TABLE_SUFFIXES,
    console,
    default_model_uri,
    ensure_stack,
    enter_project,
    load_model,
    quiet_loggers,
    scores_path,
    step_output,
    tracking_uri,
)


def register(app: typer.Typer) -> None:
    app.command()(predict)
    app.command("score")(score_folder)
    app.command("evaluate")(evaluate_external)
    app.command("adapt")(adapt_model)


def _predict_table(loaded: Any, table_path: Path, out: Path | None, id_column: str | None) -> None:
    from hawkeye.data.tables import read_table
    from hawkeye.scoring import score_features
    from hawkeye.tracking import model_summary

    table = read_table(table_path)
    scores = score_features(loaded.model, table, id_column, task=model_summary(loaded)["task"])
    target = out or scores_path(table_path.stem)
    scores.drop(columns=["assessment"]).to_csv(target, index=False)
    counts = scores["applicability"].value_counts().to_dict()
    console.print(
        f"{len(scores)} rows scored with {loaded.name} v{loaded.version} -> {target} "
        f"(applicability: {', '.join(f'{n} {k}' for k, n in counts.items())})"
    )
    if counts.get("refused"):
        console.print(
            f"[yellow]{counts['refused']} row(s) refused: outside what the model was "
            "trained on (reasons in the applicability_reasons column)[/yellow]"
        )
        raise typer.Exit(3)


def _report_path(out: Path | None, video: Path, several: bool) -> Path:
    """The HTML report beside the JSON (``--out x.json`` -> ``x.html``; several videos:
    ``x_<video>.html``), else under reports/scores/."""
    if out is None:
        return scores_path(video.stem).with_name(f"{video.stem}_report.html")
    return out.with_name(f"{out.stem}_{video.stem}.html") if several else out.with_suffix(".html")


def _json(value: Any) -> Any:
    """numpy scalars and tuples in a report, as JSON."""
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _predict_videos(loaded: Any, videos: list[Path], out: Path | None, side: str | None) -> None:
    from hawkeye.report import write_report
    from hawkeye.scoring import score_videos, video_dataset, video_report
    from hawkeye.tracking import model_summary

    if not loaded.dataset_config:
        console.print(
            f"[red]{loaded.name} v{loaded.version} carries no dataset configuration, so the "
            "landmark settings for a video are unknown; score a feature table instead.[/red]"
        )
        raise typer.Exit(2)
    meta = model_summary(loaded)
    dataset = video_dataset(loaded.dataset_config)
    sequences: dict[str, Any] = {}
    table = score_videos(loaded.model, dataset, videos, side, sequences=sequences)
    rows = table.to_dict("records")
    reports = [video_report(row, loaded.model, meta) for row in rows]
    text = json.dumps(reports[0] if len(reports) == 1 else reports, indent=2, default=_json)
    if out:
        out.write_text(text + "\n")
    print(text)
    for row, report in zip(rows, reports, strict=True):
        page = _report_path(out, Path(report["video"]), len(reports) > 1)
        write_report(report, sequences.get(row["sample_id"]), Path(report["video"]), page)
        console.print(f"report for {Path(report['video']).name}: {page}")
    refused = [r for r in reports if r["status"] == "refused"]
    for r in refused:
        console.print(f"[yellow]refused {r['video']}: {r['reason']}[/yellow]")
    for r in reports:
        if r.get("applicability", {}).get("verdict") == "flagged":
            reasons = "; ".join(r["applicability"]["reasons"])
            console.print(f"[yellow]flagged {r['video']}: {reasons}[/yellow]")
    if refused:
        raise typer.Exit(3)


def _predict_segments(loaded: Any, recordings: list[Path], out: Path | None) -> None:
    """A frame-wise model: the segments of each skeleton recording, as JSON."""
    from hawkeye.scoring import segment_recordings

    reports = segment_recordings(loaded.model, loaded.dataset_config, recordings)
    text = json.dumps(reports[0] if len(reports) == 1 else reports, indent=2, default=_json)
    if out:
        out.write_text(text + "\n")
    print(text)
    refused = [r for r in reports if r["status"] == "refused"]
    for r in refused:
        console.print(f"[yellow]refused {r['recording']}: {r['reason']}[/yellow]")
    if refused:
        raise typer.Exit(3)


def predict(
    inputs: list[Path] = typer.Argument(
        ...,
        help="video file(s), one feature table (.csv/.parquet), or, for a segment model, "
        "skeleton recording file(s) in its dataset's format",
    ),
    model: str | None = typer.Option(None, help="models:/NAME@champion (default: the only model)"),
    side: str | None = typer.Option(None, help="hand to score in a video: left or right"),
    out: Path | None = typer.Option(
        None, help="write the JSON report (video) or scores table here"
    ),
    id_column: str | None = typer.Option(None, help="feature table column naming each row"),
) -> None:
    """Score new data with a registered model: landmarks, QC, features, score, JSON report.

    A segment model (task: segments) prints each recording's segments instead.

    A video that fails quality control is refused with the reason (exit code 3), not guessed.
    """
    # Paths as typed, relative to where they were typed (not the project root we move to).
    inputs = [p.absolute() for p in inputs]
    out = out.absolute() if out else None
    enter_project()
    for path in inputs:
        if not path.exists():
            console.print(f"[red]{path} does not exist[/red]")
            raise typer.Exit(2)
    loaded = load_model(model)
    quiet_loggers()
    from hawkeye.models.base import is_frame_wise

    if is_frame_wise(loaded.model):
        _predict_segments(loaded, inputs, out)
    elif len(inputs) == 1 and inputs[0].suffix.lower() in TABLE_SUFFIXES:
        _predict_table(loaded, inputs[0], out, id_column)
    else:
        _predict_videos(loaded, inputs, out, side)


def score_folder(
    videos: Path = typer.Argument(..., help="folder of videos"),
    model: str | None = typer.Option(None, help="models:/NAME@champion (default: the only model)"),
    side: str | None = typer.Option(None, help="hand to score: left or right"),
    out: Path | None = typer.Option(
        None, help="CSV of scores (default: reports/scores/<folder>_scores.csv)"
    ),
) -> None:
    """Batch inference pipeline (pipelines/inference.py): score every video in a folder."""
    from hawkeye.report import write_folder_reports
    from hawkeye.scoring import video_dataset
    from hawkeye.tracking import model_summary

    videos, out = videos.absolute(), out.absolute() if out else None  # as typed, from here
    enter_project()
    if not videos.is_dir():
        console.print(f"[red]{videos} is not a folder of videos[/red]")
        raise typer.Exit(2)
    ensure_stack(None)
    from pipelines.inference import inference_pipeline

    uri = model or default_model_uri()
    loaded = load_model(uri)
    result = inference_pipeline.with_options(run_name=f"score-{videos.name}-{{date}}-{{time}}")(
        videos=str(videos.resolve()), model=uri, side=side
    )
    table = step_output(result, "score", "scores")
    target = out or scores_path(videos.name)
    table.to_csv(target, index=False)
    index = write_folder_reports(
        table,
        loaded.model,
        model_summary(loaded),
        video_dataset(loaded.dataset_config),
        target.with_name(f"{target.stem}_reports"),
        side,
    )
    console.print(f"reports: {index}")
    shown = [c for c in ("sample_id", "status", "score", "predicted", "reason") if c in table]
    print(table[shown].to_string(index=False))
    console.print(f"{len(table)} videos, {(table['status'] == 'scored').sum()} scored -> {target}")


def _figures_table(pooled: dict[str, dict[str, float]]) -> str:
    rows = pd.DataFrame(pooled).T[["mae", "exact_acc", "within1_acc", "pearson"]]
    return rows.round(3).to_string()


def _digest(source: Path) -> str:
    from hawkeye.data.fingerprint import file_md5

    return file_md5(source) if source.is_file() else "folder"


def evaluate_external(
    source: Path = typer.Argument(
        ..., help="labelled set: a feature table in the model's training format, or a .yaml"
    ),
    model: str | None = typer.Option(None, help="models:/NAME@ALIAS (default: the only model)"),
    name: str | None = typer.Option(None, help="name of the external set (default: file name)"),
) -> None:
    """Score a labelled external set with a registered model, beside its training baselines.

    Logged to MLflow as an evaluation run of that model version; `hawkeye models list` shows
    the latest external figures.
    """
    from hawkeye.external import beats_training_baselines, external_report, labelled_set
    from hawkeye.tracking.external import log_external_evaluation

    source = source.absolute()
    enter_project()
    loaded = load_model(model)
    data = labelled_set(loaded.dataset_config, source, name or source.stem)
    report = external_report(loaded.model, data)
    run_id = log_external_evaluation(loaded, report, _digest(source), tracking_uri())
    print(_figures_table(report["pooled"]))
    passed, why = beats_training_baselines(report)
    console.print(
        f"{loaded.name} v{loaded.version} on {report['set']}: {report['n_scored']} of "
        f"{report['n_samples']} recordings scored ({report['n_subjects']} subjects; "
        f"applicability {report['applicability']}); "
        + ("[green]" if passed else "[yellow]")
        + why
        + f"[/] (MLflow run {run_id[:8]})"
    )


def adapt_model(
    source: Path = typer.Argument(..., help="the site's labelled set (as for `evaluate`)"),
    model: str | None = typer.Option(None, help="models:/NAME@ALIAS (default: the only model)"),
    method: str = typer.Option("isotonic", help="isotonic, standardize, or both"),
    folds: int = typer.Option(5, help="subject-grouped folds for the cross-validated estimate"),
    name: str | None = typer.Option(None, help="name of the site's set (default: file name)"),
) -> None:
    """Adapt a registered model to a site with its own labelled recordings.

    Cross-validated on that set first (base vs adapted, same folds); the adapted model is
    registered as a new version (challenger) whose lineage names the base version and data.
    """
    from hawkeye.external import METHODS, adapt, labelled_set
    from hawkeye.tracking.external import register_adapted

    source = source.absolute()
    enter_project()
    if method not in METHODS:
        console.print(f"[red]--method must be one of {', '.join(METHODS)}[/red]")
        raise typer.Exit(2)
    loaded = load_model(model)
    if not hasattr(loaded.model, "applicability_"):
        console.print(
            f"[red]{loaded.name} v{loaded.version} carries no description of its training "
            "features (a sequence net, zero-shot scorer or older version): cannot adapt it[/red]"
        )
        raise typer.Exit(2)
    data = labelled_set(loaded.dataset_config, source, name or source.stem)
    result = adapt(loaded.model, data, method, folds)  # type: ignore[arg-type]
    names = list(loaded.model.feature_names_in_)
    outcome = register_adapted(
        loaded,
        result.model,
        data.features[names],
        result.report,
        result.predictions,
        _digest(source),
        tracking_uri(),
    )
    print(_figures_table(result.report["pooled"]))
    alias = outcome["alias"] or "no alias"
    colour = "[green]" if outcome["alias"] else "[yellow]"
    console.print(f"{colour}-> {loaded.name} v{outcome['version']} ({alias}): {outcome['reason']}")
