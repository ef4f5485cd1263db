"""What every command group shares: the console, the project it works in, configs, errors.

The CLI is the outermost layer (docs/ARCHITECTURE.md): it may import ZenML,
``pipelines``, ``steps`` and ``stacks`` (installed beside ``hawkeye``), and
nothing below it imports the CLI. Every :class:`~hawkeye.errors.HawkeyeError`
that reaches a command is printed once, by :class:`App`, as a message and
exit status 2, so commands do not wrap domain calls in their own handlers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from hawkeye.errors import HawkeyeError
from hawkeye.paths import PROJECT_FILE, project_root, run_configs_dir

console = Console(stderr=True, soft_wrap=True)
TABLE_SUFFIXES = {".csv", ".parquet", ".pq"}
_VERBOSE = {"on": False}


class App(typer.Typer):
    """A Typer app whose user-fixable errors print as one red line, not a traceback."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except HawkeyeError as exc:
            console.print(f"[red]{exc}[/red]")
            sys.exit(2)


def group(help_text: str) -> typer.Typer:
    """A command group (``hawkeye models ...``) that shows its help when called bare."""
    return typer.Typer(help=help_text, no_args_is_help=True)


def set_verbose(verbose: bool) -> None:
    from hawkeye_cli.quiet import quiet

    _VERBOSE["on"] = verbose
    quiet(verbose)


def quiet_loggers() -> None:
    from hawkeye_cli.quiet import quiet_loggers as _quiet

    _quiet(_VERBOSE["on"])


def enter_project() -> Path:
    """Work from the project root (a checkout or a folder made by ``hawkeye init``).

    ZenML finds its repository (``.zen``) and run configurations name data relative to
    that root, wherever the command was typed.
    """
    root = project_root()
    if not (root / PROJECT_FILE).is_file():
        console.print(
            f"[red]Not in a Hawkeye project: no {PROJECT_FILE} in {root} or above.[/red] "
            "`hawkeye init DIR` makes one (or work from a checkout of Hawkeye)."
        )
        raise typer.Exit(2)
    os.chdir(root)
    return root


def config_path(config: str, here: Path) -> Path:
    """A path the user typed (relative to ``here``, where they typed it) or a config's name."""
    folder = run_configs_dir()
    for path in (here / config, folder / f"{config}.yaml"):
        if path.is_file():
            return path.resolve()
    known = sorted(p.stem for p in folder.glob("*.yaml"))
    console.print(
        f"[red]No run configuration {config!r}.[/red] Known: {', '.join(known) or 'none'} "
        f"(in {folder}), or a path."
    )
    raise typer.Exit(2)


def tracking_uri() -> str:
    from hawkeye.tracking import default_tracking_uri

    return default_tracking_uri()


def default_model_uri() -> str:
    """``models:/NAME@champion`` when exactly one model is registered, else ask for one."""
    from mlflow.tracking import MlflowClient

    names = [m.name for m in MlflowClient(tracking_uri()).search_registered_models()]
    if len(names) == 1:
        return f"models:/{names[0]}@champion"
    console.print(
        "[red]Say which model: --model models:/NAME@champion[/red] (registered: "
        f"{', '.join(names) or 'none; run `hawkeye run demo` first'})"
    )
    raise typer.Exit(2)


def load_model(uri: str | None) -> Any:
    """The registered model ``uri`` names (default: the only one), with its metadata."""
    from hawkeye.tracking import load

    return load(uri or default_model_uri(), tracking_uri())


def step_output(run: Any, step: str, name: str) -> Any:
    """One output artifact of a finished ZenML run's step, loaded."""
    outputs = run.steps[step].outputs[name]
    return (outputs[0] if isinstance(outputs, list) else outputs).load()


def ensure_stack(stack: str | None) -> str:
    """The active stack if it tracks experiments (and no other is asked for), else bring one up."""
    from zenml.client import Client

    from stacks.bringup import up

    quiet_loggers()
    active = Client().active_stack
    if stack is None and active.experiment_tracker is not None:
        return active.name
    name = stack or "local"
    changes = up(name)
    console.print(
        f"stack [bold]{name}[/bold]: " + ", ".join(f"{k} {v}" for k, v in changes.items())
    )
    return Client().active_stack.name


def scores_path(name: str) -> Path:
    """Default output of `predict`/`score`: in the project, never beside the input, which may
    be a read-only shared dataset (as root, a write there would quietly succeed)."""
    path = project_root() / "reports" / "scores" / f"{name}_scores.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
