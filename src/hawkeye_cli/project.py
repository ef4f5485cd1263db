"""``hawkeye init`` (a lab's own project) and ``hawkeye config resolve`` (layers -> one file).

A project is a folder with a ``hawkeye.yaml``: its run configurations, stack
definitions, ``dvc.yaml`` and ``params.yaml``, its data and its run state.
This checkout is one; ``hawkeye init DIR`` makes another from the installed
package, so a lab keeps its own repository, configurations and data and
upgrades Hawkeye with pip.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import typer
import yaml

from hawkeye.config import RunConfig
from hawkeye.config_files import read_parameters
from hawkeye.paths import PROJECT_FILE
from hawkeye_cli.common import console, group

config_app = group("Run configurations: show one with its layers resolved.")
PARAMS_HEADER = (
    "# Parameters of `dvc repro` (dvc.yaml): run configuration '{name}' with its layers\n"
    "# resolved, written by `hawkeye config resolve {name} --out params.yaml` (do not edit by\n"
    "# hand; edit the configuration and rewrite this file).\n"
)
DVC_HEADER = (
    "# The training pipeline's stages for `dvc repro`; each calls the same hawkeye functions as\n"
    "# the ZenML steps. Registering in MLflow is left to `hawkeye run` (a registry write is a\n"
    "# side effect, not a reproducible output). Metrics and plots are cached outputs (their md5\n"
    "# is in dvc.lock), so `dvc metrics diff` / `dvc plots diff` read a committed revision's\n"
    "# figures from the DVC cache or remote. Written by hawkeye_cli.project.dvc_stages.\n"
)
# Domain code each stage runs, as dependencies in this checkout (a project made by
# `hawkeye init` runs the installed package, whose version its MLflow runs record).
CODE_DEPS = {
    "ingest": ["src/hawkeye/data"],
    "landmark": [
        "src/hawkeye/features",
        "src/hawkeye/landmarks",
        "src/hawkeye/data/formats.py",
        "src/hawkeye/data/readers",
    ],
    "split": ["src/hawkeye/splits.py", "src/hawkeye/features/table.py"],
    "train": ["src/hawkeye/training.py", "src/hawkeye/models"],
    "evaluate": ["src/hawkeye/evaluation"],
}
GITIGNORE = """# run state: MLflow store, ZenML artifacts, landmark cache, DVC working outputs
.hawkeye/
/data/raw/
/data/processed/
/reports/demo/
/reports/scores/
/dvc_plots/
mlruns/
.zen/
__pycache__/
"""


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(config_app, name="config")


def dvc_stages(code_deps: bool) -> dict[str, Any]:
    """The ``dvc.yaml`` of a project: ingest -> landmark -> split -> train -> evaluate."""
    p = "data/processed"
    stages: dict[str, dict[str, Any]] = {
        "ingest": {
            "cmd": "hawkeye stage ingest",
            "deps": ["data/raw/synthetic_tapping"],
            "params": ["dataset"],
            "outs": [f"{p}/manifest.parquet", f"{p}/quarantine_ingest.csv"],
        },
        "landmark": {
            "cmd": "hawkeye stage landmark",
            "deps": [f"{p}/manifest.parquet"],
            "params": ["dataset.task", "dataset.kind"],
            "outs": [f"{p}/features.parquet", f"{p}/quarantine_landmark.csv"],
        },
        "split": {
            "cmd": "hawkeye stage split",
            "deps": [f"{p}/features.parquet"],
            "params": ["split"],
            "outs": [f"{p}/folds.parquet"],
        },
        "train": {
            "cmd": "hawkeye stage train",
            "deps": [f"{p}/features.parquet", f"{p}/folds.parquet"],
            "params": ["model", "dataset.min_label", "dataset.max_label"],
            "outs": [f"{p}/model.skops", f"{p}/predictions.parquet"],
        },
        "evaluate": {
            "cmd": "hawkeye stage evaluate",
            "deps": [f"{p}/predictions.parquet", f"{p}/folds.parquet"],
            "metrics": ["reports/demo/metrics.json"],
            # PNG plots: `dvc plots show` then needs no network (vega loads from a CDN).
            "plots": ["reports/demo/confusion.png", "reports/demo/predicted_vs_rated.png"],
            "outs": ["reports/demo/predictions.csv"],
        },
    }
    if code_deps:
        for name, deps in CODE_DEPS.items():
            stages[name]["deps"] += deps
    return {"stages": stages}


def params_text(config: Path, name: str, layers: Path | None = None) -> str:
    """``params.yaml`` for ``dvc repro``: ``config`` resolved (its layers in ``layers``,
    default the project's configuration folder) and validated."""
    params = read_parameters(config, layers)
    RunConfig.model_validate(params)  # the file DVC reads must be a valid run
    return PARAMS_HEADER.format(name=name) + yaml.safe_dump(params, sort_keys=False)


def _copy_tree(source: Any, target: Path) -> int:
    """Copy a packaged folder (importlib.resources) of YAML files; existing files are kept."""
    copied = 0
    for entry in source.iterdir():
        if entry.is_dir() and entry.name != "__pycache__":
            copied += _copy_tree(entry, target / entry.name)
        elif entry.name.endswith(".yaml"):
            dest = target / entry.name
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(entry.read_bytes())
                copied += 1
    return copied


def init(
    folder: Path = typer.Argument(Path("."), help="the project folder (made if missing)"),
    stack: bool = typer.Option(True, help="also `zenml init` there and bring the local stack up"),
) -> None:
    """Make a folder a Hawkeye project: run configurations, stacks, dvc.yaml, params.yaml.

    Every `hawkeye` command then works in it (or below it) with the installed package;
    files that exist already are left as they are.
    """
    import os

    folder = folder.absolute()
    if (folder / PROJECT_FILE).is_file():
        console.print(f"[red]{folder} is a Hawkeye project already ({PROJECT_FILE}).[/red]")
        raise typer.Exit(2)
    folder.mkdir(parents=True, exist_ok=True)
    configs = _copy_tree(files("pipelines") / "configs", folder / "configs")
    stacks = _copy_tree(files("stacks"), folder / "stacks")
    written = {
        "dvc.yaml": DVC_HEADER + yaml.safe_dump(dvc_stages(code_deps=False), sort_keys=False),
        "params.yaml": params_text(folder / "configs" / "demo.yaml", "demo", folder / "configs"),
        ".gitignore": GITIGNORE,
        ".dvcignore": "__pycache__/\n*.pyc\n",
        PROJECT_FILE: "# A Hawkeye project (made by `hawkeye init`).\n"
        "configs: configs  # run configurations: `hawkeye run NAME` reads configs/NAME.yaml\n",
    }
    for name, text in written.items():
        if not (folder / name).exists():
            (folder / name).write_text(text)
    console.print(
        f"{folder}: {configs} run configurations, {stacks} stack definitions, " + ", ".join(written)
    )
    if stack:
        os.chdir(folder)
        from stacks.bringup import up

        changes = up("local")
        console.print("stack local: " + ", ".join(f"{k} {v}" for k, v in changes.items()))
    console.print(
        "Next: `hawkeye run demo` there (synthetic data, about a minute); copy "
        "configs/demo.yaml to point at your own data. For `dvc repro`: `git init && dvc init`."
    )


@config_app.command("resolve")
def config_resolve(
    config: str = typer.Argument(..., help="run configuration name or path"),
    out: Path | None = typer.Option(None, help="write here (e.g. params.yaml), else print"),
) -> None:
    """A run configuration with its `extends` layers merged, as the pipeline sees it."""
    from hawkeye_cli.common import config_path

    path = config_path(config, Path.cwd())
    text = params_text(path, path.stem)
    if out is None:
        print(text, end="")
    else:
        out.write_text(text)
        console.print(f"{path.stem} -> {out}")
