"""The smaller command groups: ``env``, ``ui``, ``serve``, ``stack``, ``data``, ``landmarks``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import typer

from hawkeye.config import LandmarkConfig, SyntheticConfig
from hawkeye.paths import resolve_data_path
from hawkeye_cli.common import console, enter_project, group, tracking_uri

stack_app = group("Bring ZenML stacks from stacks/*.yaml up.")
data_app = group("Datasets: generate the embedded synthetic data.")
landmarks_app = group("MediaPipe landmarks from video, cached and quality-checked.")


def register(app: typer.Typer) -> None:
    app.command("env")(env_command)
    app.command()(ui)
    app.command("serve")(serve_app)
    app.add_typer(stack_app, name="stack")
    app.add_typer(data_app, name="data")
    app.add_typer(landmarks_app, name="landmarks")


def env_command(
    profile: str | None = typer.Option(None, help="local, hpc or cloud (default: $HAWKEYE_ENV)"),
    base_lr: float = typer.Option(1e-3, help="learning rate at the reference batch size"),
) -> None:
    """The resolved environment profile: device, data and model roots, batch size, LR, precision,
    and the values a train or tune run under it applies (``a run applies``)."""
    from hawkeye.profiles import describe, resolve

    try:
        resolved = resolve(profile)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    for key, value in describe(resolved, base_lr).items():
        print(f"{key:14s} {value}")


def ui(port: int = typer.Option(5000, help="port on 127.0.0.1")) -> None:
    """Start the MLflow UI on the project's tracking store."""
    enter_project()
    command = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", tracking_uri()]
    os.execvp(sys.executable, [*command, "--host", "127.0.0.1", "--port", str(port)])


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
    enter_project()
    console.print(f"Hawkeye on http://127.0.0.1:{port} (Ctrl+C stops it)")
    serve(tracking_uri(), state_dir() / "serve", port=port, video_dirs=video_dirs or None)


@stack_app.command("up")
def stack_up(name: str = typer.Argument("local", help="a stacks/<name>.yaml definition")) -> None:
    """Run `zenml init`, register the stack's components and activate it (idempotent)."""
    enter_project()
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
    """Stack definitions available to this project (its stacks/ folder, else the built-in)."""
    enter_project()
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
    complexity: int = typer.Option(1, help="MediaPipe model complexity (hands 0-1, pose 1)"),
    workers: int | None = typer.Option(None, help="processes (default: one per core)"),
    out: Path = typer.Option(Path("landmarks"), help="folder for <video>.npz and qc.csv"),
) -> None:
    """Extract landmarks (the landmark step's code path) and write them with a QC table."""
    from hawkeye.data.videos import scan_folder
    from hawkeye.features.extract import video_jobs
    from hawkeye.landmarks.batch import export_batch

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
    batch = export_batch(video_jobs(videos, side), cfg, out)
    console.print(
        f"{len(batch.extractions)} videos -> {out}/ ({batch.cache_hits} from cache, "
        f"{batch.extracted} extracted, {batch.frames_extracted} frames in {batch.seconds:.1f} s)"
    )
    for sid, reason in batch.errors.items():
        console.print(f"[yellow]quarantined {sid}: {reason}[/yellow]")
    if not batch.extractions:
        console.print("[red]No video could be extracted (reasons above).[/red]")
        raise typer.Exit(3)
