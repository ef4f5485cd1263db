"""``hawkeye``: run pipelines, bring stacks up, and the stage commands that dvc.yaml calls.

One of the two adapter modules of the domain (docs/ARCHITECTURE.md): it may launch a
ZenML pipeline or bring a stack up; everything it computes comes from the
same functions the ZenML steps call.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console

from hawkeye.config import ConfigError, RunConfig, SyntheticConfig, load_run_config
from hawkeye.paths import project_root, resolve_data_path

app = typer.Typer(
    help="Hawkeye: validated, traceable models of clinical motor tasks from video.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
stack_app = typer.Typer(help="Bring ZenML stacks from stacks/*.yaml up.", no_args_is_help=True)
data_app = typer.Typer(help="Datasets: generate the embedded synthetic data.", no_args_is_help=True)
stage_app = typer.Typer(
    help="Pipeline stages on files, as dvc.yaml calls them.", no_args_is_help=True
)
app.add_typer(stack_app, name="stack")
app.add_typer(data_app, name="data")
app.add_typer(stage_app, name="stage")
landmarks_app = typer.Typer(
    help="MediaPipe landmarks from video, cached and quality-checked.", no_args_is_help=True
)
app.add_typer(landmarks_app, name="landmarks")
models_app = typer.Typer(
    help="The MLflow model registry: list, compare, promote.", no_args_is_help=True
)
app.add_typer(models_app, name="models")
TABLE_SUFFIXES = {".csv", ".parquet", ".pq"}
console = Console(stderr=True, soft_wrap=True)
_VERBOSE = {"on": False}


@app.callback()
def _main(
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="show every library's log lines (MLflow, ZenML, MediaPipe)"
    ),
) -> None:
    """Hawkeye: validated, traceable models of clinical motor tasks from video."""
    from hawkeye.quiet import quiet

    _VERBOSE["on"] = verbose
    quiet(verbose)


def _quiet_loggers() -> None:
    from hawkeye.quiet import quiet_loggers

    quiet_loggers(_VERBOSE["on"])


def _enter_project() -> Path:
    """Work from the project root so that ``pipelines``/``steps``/``stacks`` import as in ZenML."""
    root = project_root()
    if not (root / "pipelines" / "training.py").is_file():
        console.print(
            "[red]Run hawkeye from a Hawkeye checkout (no pipelines/training.py found above "
            f"{Path.cwd()}).[/red]"
        )
        raise typer.Exit(2)
    os.chdir(root)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return root


def _config_path(config: str, root: Path, here: Path) -> Path:
    """A path the user typed (relative to ``here``, where they typed it) or a config's name."""
    candidates = [here / config, root / "pipelines" / "configs" / f"{config}.yaml"]
    for path in candidates:
        if path.is_file():
            return path.resolve()
    known = sorted(p.stem for p in (root / "pipelines" / "configs").glob("*.yaml"))
    console.print(
        f"[red]No run configuration {config!r}.[/red] Known: {', '.join(known)} (or a path)."
    )
    raise typer.Exit(2)


def _ensure_stack(stack: str | None) -> str:
    from zenml.client import Client

    from stacks.bringup import up

    _quiet_loggers()
    active = Client().active_stack
    if stack is None and active.experiment_tracker is not None:
        return active.name
    name = stack or "local"
    changes = up(name)
    console.print(
        f"stack [bold]{name}[/bold]: " + ", ".join(f"{k} {v}" for k, v in changes.items())
    )
    return Client().active_stack.name


def _sweep_stale_runs() -> None:
    """Close the runs an earlier, killed process left RUNNING (MLflow) / running (ZenML)."""
    from hawkeye.tracking.stale import sweep_mlflow
    from pipelines.run_state import sweep_zenml

    failed = sweep_zenml()
    closed = sweep_mlflow(_tracking_uri(), set(failed))  # ZenML names its MLflow runs alike
    if closed or failed:
        console.print(
            f"[yellow]closed {len(closed)} MLflow run(s) and {len(failed)} ZenML run(s) "
            f"whose process had died ({', '.join(failed) or 'MLflow only'})[/yellow]"
        )


def _step_output(run: Any, step: str, name: str) -> Any:
    outputs = run.steps[step].outputs[name]
    return (outputs[0] if isinstance(outputs, list) else outputs).load()


def _trainable_models() -> list[str]:
    """Every model `--model all` trains: the config's choices minus the zero-shot scorers."""
    from typing import get_args

    from hawkeye.config import ZERO_SHOT, ModelConfig

    skip = {
        *ZERO_SHOT,
        "autoencoder",
    }  # zero-shot scorers and the one-class model score differently
    return [m for m in get_args(ModelConfig.model_fields["name"].annotation) if m not in skip]


def _with_model(path: Path, model: str) -> Path:
    """A copy of a run configuration training another model (its own params reset)."""
    import yaml

    from hawkeye.paths import state_dir

    raw = yaml.safe_load(path.read_text())
    params = raw.setdefault("parameters", {})
    current = params.get("model", {})
    params["model"] = {**current, "name": model} | (
        {} if current.get("name") == model else {"params": {}}
    )
    raw["run_name"] = f"{path.stem}-{model}-{{date}}-{{time}}"
    out = state_dir() / "configs" / f"{path.stem}-{model}.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(raw, sort_keys=False))
    return out


def _stack_for(path: Path) -> str | None:
    """The stack whose step operator the run configuration names (slurm, cloud-gpu), if any."""
    import yaml

    from stacks.bringup import stack_with_operator

    steps_cfg = (yaml.safe_load(path.read_text()) or {}).get("steps") or {}
    operators = {(c or {}).get("step_operator") for c in steps_cfg.values()} - {None}
    return next((s for op in sorted(operators) if (s := stack_with_operator(op))), None)


def _train(path: Path, cache: bool) -> tuple[Any, float]:
    from pipelines.training import training_pipeline

    cfg = _params(path)
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


@app.command()
def run(
    config: str = typer.Argument(
        "demo", help="name in pipelines/configs/ (demo, park, ...) or a YAML path"
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
    from hawkeye.evaluation.metrics import summary_table

    here = Path.cwd()
    root = _enter_project()
    path = _config_path(config, root, here)
    cfg = _params(path)  # fail on a bad config before ZenML starts
    known = _trainable_models()
    names = known if model == "all" else [model] if model else []
    unknown = [n for n in names if n not in known and n not in ("vlm", "vlm_api")]
    if unknown:
        console.print(f"[red]Unknown model {unknown[0]!r}[/red]; known: {', '.join(known)} or all")
        raise typer.Exit(2)
    stack_name = _ensure_stack(stack or _stack_for(path))
    _sweep_stale_runs()
    runs = []
    for path_i in [_with_model(path, n) for n in names] or [path]:
        result, wall = _train(path_i, cache)
        report = _step_output(result, "evaluate", "report")
        outcome = _step_output(result, "register", "registration")
        runs.append((_params(path_i).model.name, report, outcome))
        cached = all(step.status.value == "cached" for step in result.steps.values())
        status = result.status.value
        console.print(f"\n[bold]{result.name}[/bold] on {stack_name}: {status} in {wall:.1f} s")
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
    if len(runs) > 1:
        from hawkeye.tracking import log_model_comparison

        table = log_model_comparison(runs, cfg.registry.model_name, _tracking_uri())
        console.print(
            "\n[bold]All models, same split[/bold] (logged to MLflow as 'model-comparison'):"
        )
        print(table.round(3).to_string(index=False))
    from mlflow.tracking import MlflowClient

    exp = MlflowClient(_tracking_uri()).get_experiment_by_name(cfg.registry.model_name)
    page = f"#/experiments/{exp.experiment_id}/runs" if exp is not None else ""
    console.print(
        "\nOpen the MLflow UI on these results:\n"
        f"  mlflow ui --backend-store-uri {_tracking_uri()} --port 5000\n"
        f"  then browse http://127.0.0.1:5000/{page} (the training runs of "
        f"'{cfg.registry.model_name}'; model '{runs[-1][2]['model_name']}' under Models)"
    )


@app.command()
def tune(
    config: str = typer.Argument("demo", help="run configuration (its model and split are tuned)"),
    trials: int = typer.Option(20, help="Optuna trials to add to the study"),
    stack: str | None = typer.Option(None, help="stack to run on (see `hawkeye run --help`)"),
) -> None:
    """Hyperparameter search (Optuna) on the run's own subject-grouped folds; resumable."""
    here = Path.cwd()
    root = _enter_project()
    path = _config_path(config, root, here)
    cfg = _params(path)
    _ensure_stack(stack)
    from pipelines.tuning import tuning_pipeline

    try:
        result = tuning_pipeline.with_options(config_path=str(path))(n_trials=trials)
    except Exception as exc:
        console.print(f"[red]Tuning failed: {exc}[/red]")
        raise typer.Exit(1) from exc
    best = _step_output(result, "tune", "best")
    metric = cfg.registry.gate.metric
    console.print(
        f"study {best['study']}: {best['trials']} trials, best {metric} {best[metric]:.4f}"
    )
    console.print("best parameters (put them under model.params to train with them):")
    print(json.dumps(best["params"], indent=2))


@app.command("env")
def env_command(
    profile: str | None = typer.Option(None, help="local, hpc or cloud (default: $HAWKEYE_ENV)"),
    base_lr: float = typer.Option(1e-3, help="learning rate at the reference batch size"),
) -> None:
    """The resolved environment profile: device, data and model roots, batch size, LR, precision."""
    from hawkeye.profiles import describe, resolve

    try:
        resolved = resolve(profile)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    for key, value in describe(resolved, base_lr).items():
        print(f"{key:14s} {value}")


@app.command()
def ui(port: int = typer.Option(5000, help="port on 127.0.0.1")) -> None:
    """Start the MLflow UI on the project's tracking store."""
    from hawkeye.tracking import default_tracking_uri

    _enter_project()
    uri = default_tracking_uri()
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "mlflow",
            "ui",
            "--backend-store-uri",
            uri,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
    )


@app.command("serve")
def serve_app(
    port: int = typer.Option(8765, help="port on 127.0.0.1 (the app never listens elsewhere)"),
    videos: list[Path] = typer.Option(
        [], "--videos", help="folder(s) of videos to offer for scoring besides uploads"
    ),
) -> None:
    """A local web app: pick a registered model, upload or choose a video, read its report.

    Extraction runs in a background worker with progress; a refused video shows its reason;
    nothing leaves the machine (127.0.0.1 only, no external assets).
    """
    from hawkeye.paths import state_dir
    from hawkeye.serve import serve

    video_dirs = [v.absolute() for v in videos]
    _enter_project()
    console.print(f"Hawkeye on http://127.0.0.1:{port} (Ctrl+C stops it)")
    serve(_tracking_uri(), state_dir() / "serve", port=port, video_dirs=video_dirs or None)


@stack_app.command("up")
def stack_up(name: str = typer.Argument("local", help="a stacks/<name>.yaml definition")) -> None:
    """Run `zenml init`, register the stack's components and activate it (idempotent)."""
    _enter_project()
    from stacks.bringup import StackError, up

    try:
        changes = up(name)
    except StackError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    for component, change in changes.items():
        console.print(f"{component}: {change}")


@stack_app.command("list")
def stack_list() -> None:
    """Stack definitions available in stacks/."""
    _enter_project()
    from stacks.bringup import available

    for name in available():
        print(name)


@data_app.command("generate")
def data_generate(
    task: str = typer.Option("finger_tapping", help="finger_tapping or gait"),
    out: Path | None = typer.Option(None, help="folder (default data/raw/synthetic_<task>)"),
    subjects: int = typer.Option(SyntheticConfig().n_subjects, help="number of subjects"),
    seed: int = typer.Option(SyntheticConfig().seed, help="random seed"),
) -> None:
    """Write a synthetic dataset (byte-identical for the same settings)."""
    from hawkeye.data.fingerprint import generator

    # Each embedded set lives in its own DVC-tracked folder (data.dvc: data/raw,
    # data/gait.dvc: data/gait), so generating one never changes the other's data version.
    folder = out or (
        Path("data/raw/synthetic_tapping")
        if task == "finger_tapping"
        else Path(f"data/{task}/synthetic_{task}")
    )
    try:
        make = generator(task)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    path = make(resolve_data_path(str(folder)), SyntheticConfig(n_subjects=subjects, seed=seed))
    print(f"{len(pd.read_csv(path))} recordings in {path.parent}")


@landmarks_app.command("extract")
def landmarks_extract(
    paths: list[Path] = typer.Argument(..., help="video files and/or folders of videos"),
    model: str = typer.Option("hands", help="hands (21 joints) or pose (33 joints)"),
    side: str | None = typer.Option(
        None, help="hand to keep: left or right (default: most confident)"
    ),
    hand_choice: str = typer.Option(
        "annotated", help="annotated, or park (PARK's rule: confidence > 0.9, larger hand)"
    ),
    complexity: int = typer.Option(1, help="MediaPipe model complexity (hands 0-1, pose 0-2)"),
    workers: int | None = typer.Option(None, help="processes (default: one per core)"),
    out: Path = typer.Option(Path("landmarks"), help="folder for <video>.npz and qc.csv"),
) -> None:
    """Extract landmarks (the landmark step's code path) and write them with a QC table."""
    from hawkeye.config import LandmarkConfig
    from hawkeye.data.videos import scan_folder
    from hawkeye.features.extract import video_jobs
    from hawkeye.landmarks.batch import extract_batch
    from hawkeye.landmarks.cache import write_extraction
    from hawkeye.landmarks.qc import rejection

    videos = [v for p in paths for v in (scan_folder(p) if p.is_dir() else [p])]
    if not videos:
        console.print(f"[red]No video files in {', '.join(map(str, paths))}.[/red]")
        raise typer.Exit(2)
    try:
        cfg = LandmarkConfig(
            model=model, model_complexity=complexity, workers=workers, hand_choice=hand_choice
        )
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    batch = extract_batch(video_jobs(videos, side), cfg)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for sid, ex in batch.extractions.items():
        write_extraction(out / f"{sid}.npz", ex)
        rows.append(
            {"sample_id": sid, **batch.qc[sid], "qc_rejected": rejection(batch.qc[sid], cfg) or ""}
        )
    rows += [{"sample_id": sid, "error": reason} for sid, reason in batch.errors.items()]
    pd.DataFrame(rows).to_csv(out / "qc.csv", index=False)
    console.print(
        f"{len(batch.extractions)} videos -> {out}/ ({batch.cache_hits} from cache, "
        f"{batch.extracted} extracted, {batch.frames_extracted} frames in {batch.seconds:.1f} s)"
    )
    for sid, reason in batch.errors.items():
        console.print(f"[yellow]quarantined {sid}: {reason}[/yellow]")
    if not batch.extractions:
        console.print("[red]No video could be extracted (reasons above).[/red]")
        raise typer.Exit(3)


# ---- registry and scoring --------------------------------------------------------------


def _tracking_uri() -> str:
    from hawkeye.tracking import default_tracking_uri

    return default_tracking_uri()


@contextmanager
def _registry_errors() -> Iterator[None]:
    from hawkeye.tracking import RegistryError

    try:
        yield
    except (RegistryError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


@models_app.command("list")
def models_list(
    name: str | None = typer.Argument(None, help="one registered model (default: all)"),
    wide: bool = typer.Option(False, "--wide", help="every column: split, commit, run, gate"),
) -> None:
    """Every model version with its aliases, metrics, split, data version and commit."""
    from hawkeye.tracking import list_versions

    _enter_project()
    with _registry_errors():
        table = list_versions(name, _tracking_uri())
    if table.empty:
        console.print("No registered model yet: `hawkeye run demo` registers one.")
        return
    narrow = ["model", "version", "aliases", "type", "mae", "exact_acc", "pearson", "external"]
    extra = ["base", "split", "data", "commit", "created", "gate"]
    shown = table[[c for c in narrow + (extra if wide else []) if c in table]].round(3)
    if not wide:
        shown["type"] = shown["type"].str.slice(0, 24)
        shown["external"] = shown["external"].str.slice(0, 30)
    print(shown.to_string(index=False))


@models_app.command("compare")
def models_compare(
    name: str = typer.Argument(..., help="registered model"),
    a: str = typer.Argument(..., help="version number or alias, e.g. champion"),
    b: str = typer.Argument(..., help="version number or alias, e.g. challenger or 7"),
) -> None:
    """Two versions' metrics side by side, and whether they were evaluated on the same split."""
    from hawkeye.tracking import compare

    _enter_project()
    with _registry_errors():
        result = compare(name, a, b, _tracking_uri())
    print(result.table.round(4).to_string())
    console.print(("[green]" if result.same_split else "[yellow]") + result.note)


@models_app.command("promote")
def models_promote(
    name: str = typer.Argument(..., help="registered model"),
    version: str = typer.Argument(..., help="version number (or alias) to make champion"),
    reason: str = typer.Option(..., "--reason", help="why; kept on the model version"),
) -> None:
    """Give a version the champion alias by hand; the reason, who and when are recorded."""
    import getpass

    from hawkeye.tracking import promote

    _enter_project()
    with _registry_errors():
        out = promote(name, version, reason, _tracking_uri(), user=getpass.getuser())
    console.print(
        f"{name} v{out['version']} is champion (was v{out['previous_champion']}): {reason}"
    )


def _scores_path(name: str) -> Path:
    """Default output of `predict`/`score`: in the project, never beside the input, which may
    be a read-only shared dataset (as root, a write there would quietly succeed)."""
    path = project_root() / "reports" / "scores" / f"{name}_scores.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _default_model_uri() -> str:
    from mlflow.tracking import MlflowClient

    names = [m.name for m in MlflowClient(_tracking_uri()).search_registered_models()]
    if len(names) == 1:
        return f"models:/{names[0]}@champion"
    console.print(
        "[red]Say which model: --model models:/NAME@champion[/red] (registered: "
        f"{', '.join(names) or 'none; run `hawkeye run demo` first'})"
    )
    raise typer.Exit(2)


@app.command()
def predict(
    inputs: list[Path] = typer.Argument(
        ..., help="video file(s), or one feature table (.csv/.parquet)"
    ),
    model: str | None = typer.Option(None, help="models:/NAME@champion (default: the only model)"),
    side: str | None = typer.Option(None, help="hand to score in a video: left or right"),
    out: Path | None = typer.Option(
        None, help="write the JSON report (video) or scores table here"
    ),
    id_column: str | None = typer.Option(None, help="feature table column naming each row"),
) -> None:
    """Score new data with a registered model: landmarks, QC, features, score, JSON report.

    A video that fails quality control is refused with the reason (exit code 3), not guessed.
    """
    from hawkeye.report import write_report
    from hawkeye.scoring import (
        MissingFeatures,
        score_features,
        score_videos,
        video_dataset,
        video_report,
    )
    from hawkeye.tracking import load, model_summary

    # Paths as typed, relative to where they were typed (not the project root we move to).
    inputs = [p.absolute() for p in inputs]
    out = out.absolute() if out else None
    _enter_project()
    for path in inputs:
        if not path.exists():
            console.print(f"[red]{path} does not exist[/red]")
            raise typer.Exit(2)
    uri = model or _default_model_uri()
    with _registry_errors():
        loaded = load(uri, _tracking_uri())
    _quiet_loggers()
    meta = model_summary(loaded)
    task = meta["task"]
    if len(inputs) == 1 and inputs[0].suffix.lower() in TABLE_SUFFIXES:
        table = (
            pd.read_parquet(inputs[0])
            if inputs[0].suffix.lower() != ".csv"
            else pd.read_csv(inputs[0])
        )
        try:
            scores = score_features(loaded.model, table, id_column, task=task)
        except MissingFeatures as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        target = out or _scores_path(inputs[0].stem)
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
        return
    if not loaded.dataset_config:
        console.print(
            f"[red]{loaded.name} v{loaded.version} carries no dataset configuration, so the "
            "landmark settings for a video are unknown; score a feature table instead.[/red]"
        )
        raise typer.Exit(2)
    dataset = video_dataset(loaded.dataset_config)
    sequences: dict[str, Any] = {}
    table = score_videos(loaded.model, dataset, inputs, side, sequences=sequences)
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
    flagged = [r for r in reports if r.get("applicability", {}).get("verdict") == "flagged"]
    for r in flagged:
        console.print(
            f"[yellow]flagged {r['video']}: "
            + "; ".join(r["applicability"]["reasons"])
            + "[/yellow]"
        )
    if refused:
        raise typer.Exit(3)


def _report_path(out: Path | None, video: Path, several: bool) -> Path:
    """The HTML report beside the JSON (``--out x.json`` -> ``x.html``; several videos:
    ``x_<video>.html``), else under reports/scores/."""
    if out is None:
        return _scores_path(video.stem).with_name(f"{video.stem}_report.html")
    return out.with_name(f"{out.stem}_{video.stem}.html") if several else out.with_suffix(".html")


def _json(value: Any) -> Any:
    """numpy scalars and tuples in a report, as JSON."""
    if hasattr(value, "item"):
        return value.item()
    return str(value)


@app.command("score")
def score_folder(
    videos: Path = typer.Argument(..., help="folder of videos"),
    model: str | None = typer.Option(None, help="models:/NAME@champion (default: the only model)"),
    side: str | None = typer.Option(None, help="hand to score: left or right"),
    out: Path | None = typer.Option(
        None, help="CSV of scores (default: reports/scores/<folder>_scores.csv)"
    ),
) -> None:
    """Batch inference pipeline (pipelines/inference.py): score every video in a folder."""
    videos, out = videos.absolute(), out.absolute() if out else None  # as typed, from here
    _enter_project()
    if not videos.is_dir():
        console.print(f"[red]{videos} is not a folder of videos[/red]")
        raise typer.Exit(2)
    _ensure_stack(None)
    from pipelines.inference import inference_pipeline

    uri = model or _default_model_uri()
    with _registry_errors():
        result = inference_pipeline.with_options(run_name=f"score-{videos.name}-{{date}}-{{time}}")(
            videos=str(videos.resolve()), model=uri, side=side
        )
    table = _step_output(result, "score", "scores")
    target = out or _scores_path(videos.name)
    table.to_csv(target, index=False)
    index = _score_reports(table, uri, target.with_name(f"{target.stem}_reports"), side)
    console.print(f"reports: {index}")
    shown = [c for c in ("sample_id", "status", "score", "predicted", "reason") if c in table]
    print(table[shown].to_string(index=False))
    console.print(f"{len(table)} videos, {(table['status'] == 'scored').sum()} scored -> {target}")


def _labelled(loaded: Any, source: Path, name: str | None) -> Any:
    """The labelled set a command was given, read as the model's training data was."""
    from hawkeye.data.errors import DatasetError
    from hawkeye.external import labelled_set

    try:
        return labelled_set(loaded.dataset_config, source, name or source.stem)
    except (DatasetError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def _figures_table(pooled: dict[str, dict[str, float]]) -> str:
    rows = pd.DataFrame(pooled).T[["mae", "exact_acc", "within1_acc", "pearson"]]
    return rows.round(3).to_string()


@app.command("evaluate")
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
    from hawkeye.data.fingerprint import file_md5
    from hawkeye.external import beats_training_baselines, external_report
    from hawkeye.tracking import load
    from hawkeye.tracking.external import log_external_evaluation

    source = source.absolute()
    _enter_project()
    uri = model or _default_model_uri()
    with _registry_errors():
        loaded = load(uri, _tracking_uri())
    data = _labelled(loaded, source, name)
    report = external_report(loaded.model, data)
    digest = file_md5(source) if source.is_file() else "folder"
    run_id = log_external_evaluation(loaded, report, digest, _tracking_uri())
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


@app.command("adapt")
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
    from hawkeye.data.fingerprint import file_md5
    from hawkeye.external import METHODS, adapt
    from hawkeye.tracking import load
    from hawkeye.tracking.external import register_adapted

    source = source.absolute()
    _enter_project()
    if method not in METHODS:
        console.print(f"[red]--method must be one of {', '.join(METHODS)}[/red]")
        raise typer.Exit(2)
    uri = model or _default_model_uri()
    with _registry_errors():
        loaded = load(uri, _tracking_uri())
    if not hasattr(loaded.model, "applicability_"):
        console.print(
            f"[red]{loaded.name} v{loaded.version} carries no description of its training "
            "features (a sequence net, zero-shot scorer or older version): cannot adapt it[/red]"
        )
        raise typer.Exit(2)
    data = _labelled(loaded, source, name)
    result = adapt(loaded.model, data, method, folds)  # type: ignore[arg-type]
    digest = file_md5(source) if source.is_file() else "folder"
    names = list(loaded.model.feature_names_in_)
    outcome = register_adapted(
        loaded,
        result.model,
        data.features[names],
        result.report,
        result.predictions,
        digest,
        _tracking_uri(),
    )
    print(_figures_table(result.report["pooled"]))
    alias = outcome["alias"] or "no alias"
    colour = "[green]" if outcome["alias"] else "[yellow]"
    console.print(f"{colour}-> {loaded.name} v{outcome['version']} ({alias}): {outcome['reason']}")


def _score_reports(table: pd.DataFrame, uri: str, folder: Path, side: str | None) -> Path:
    """One HTML report a video and an index page linking them (`hawkeye score`)."""
    from hawkeye.report import render_index, write_report
    from hawkeye.scoring import cached_sequence, nested_row, video_dataset, video_report
    from hawkeye.tracking import load, model_summary

    loaded = load(uri, _tracking_uri())
    meta, dataset = model_summary(loaded), video_dataset(loaded.dataset_config)
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for row in table.to_dict("records"):
        report = video_report(nested_row(row), loaded.model, meta)
        video = Path(report["video"])
        seq = cached_sequence(dataset, video, side) if report["status"] == "scored" else None
        name = f"{row['sample_id']}.html"
        write_report(report, seq, video, folder / name)
        entries.append((report, name))
    index = folder / "index.html"
    index.write_text(render_index(entries))
    return index


# ---- stages on files: what dvc.yaml runs --------------------------------------------------

PARAMS = typer.Option(Path("params.yaml"), help="run parameters (same schema as a run config)")
WORK = typer.Option(Path("data/processed"), help="folder of intermediate files")


@contextmanager
def _clear_errors() -> Iterator[None]:
    """Input problems the domain explains itself: print the explanation, not a traceback."""
    from hawkeye.data.ingest import DatasetError
    from hawkeye.data.quarantine import QuarantineExceeded
    from hawkeye.splits import LeakageError

    try:
        yield
    except (DatasetError, QuarantineExceeded, LeakageError, FileNotFoundError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


def _stage(fn: Any) -> Any:
    """Register a stage command whose input errors print as messages."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _clear_errors():
            return fn(*args, **kwargs)

    return stage_app.command(fn.__name__.removeprefix("stage_"))(wrapper)


def _params(params: Path) -> RunConfig:
    try:
        return load_run_config(params)
    except ConfigError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


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

    result = ingest(_params(params).dataset)
    _save(work, "manifest", result.manifest, "ingest", result.quarantine)


@_stage
def stage_landmark(params: Path = PARAMS, work: Path = WORK) -> None:
    """manifest.parquet -> features.parquet + quarantine_landmark.csv."""
    from hawkeye.features.extract import build_features

    result = build_features(pd.read_parquet(work / "manifest.parquet"), _params(params).dataset)
    _save(work, "features", result.features, "landmark", result.quarantine)


@_stage
def stage_split(params: Path = PARAMS, work: Path = WORK) -> None:
    """features.parquet -> folds.parquet (subject-grouped, leakage-checked)."""
    from hawkeye.splits import make_folds, split_hash

    folds = make_folds(pd.read_parquet(work / "features.parquet"), _params(params).split)
    folds.to_parquet(work / "folds.parquet", index=False)
    tested = folds.loc[folds["fold"] >= 0, "fold"].nunique()  # -1: train-only (official split)
    print(f"{tested} test fold(s), split {split_hash(folds)}")


@_stage
def stage_train(params: Path = PARAMS, work: Path = WORK) -> None:
    """features + folds -> model.skops + predictions.parquet (out-of-fold)."""
    import skops.io

    from hawkeye.training import cross_validate

    cfg = _params(params)
    result = cross_validate(
        pd.read_parquet(work / "features.parquet"),
        pd.read_parquet(work / "folds.parquet"),
        cfg.model,
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
        evaluate_predictions,
        predicted_vs_rated_figure,
        summary_table,
    )
    from hawkeye.splits import split_hash

    cfg = _params(params)
    predictions = pd.read_parquet(work / "predictions.parquet")
    report = evaluate_predictions(predictions, cfg.dataset.min_label, cfg.dataset.max_label)
    reports.mkdir(parents=True, exist_ok=True)
    # Pooled out-of-fold figures, nested by predictor: `dvc metrics show/diff` prints model.mae, ...
    metrics: dict[str, Any] = {
        who: {k: round(v, 6) for k, v in m.items()} for who, m in report["pooled"].items()
    }
    metrics["split_hash"] = split_hash(pd.read_parquet(work / "folds.parquet"))
    (reports / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    predictions.to_csv(reports / "predictions.csv", index=False)
    y, score, lo, hi = (
        predictions["label"],
        predictions["score"],
        cfg.dataset.min_label,
        cfg.dataset.max_label,
    )
    # PNG plots: `dvc plots show` embeds them as images, so the page needs no CDN (vega).
    confusion_figure(y, score, lo, hi).savefig(reports / "confusion.png")
    predicted_vs_rated_figure(y, score, lo, hi).savefig(reports / "predicted_vs_rated.png")
    print(summary_table(report))


if __name__ == "__main__":
    app()
