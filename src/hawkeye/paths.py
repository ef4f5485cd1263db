"""Where Hawkeye keeps run state and where it looks for shared data.

Everything a run writes (MLflow store, ZenML artifacts, caches) lives under one
project-local folder so that a clone is self-contained and a user can move it
with one environment variable.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_MARKERS = ("pipelines", "pyproject.toml")


def project_root(start: Path | None = None) -> Path:
    """The nearest folder above ``start`` that holds the Hawkeye project layout.

    The CLI is meant to be run from a checkout (it imports ``pipelines/`` and
    reads ``pipelines/configs``); falling back to the working directory keeps
    library use from a notebook working too.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if all((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder
    return here


def state_dir() -> Path:
    """Run state: ``$HAWKEYE_HOME`` or ``<project>/.hawkeye``."""
    env = os.environ.get("HAWKEYE_HOME")
    path = Path(env) if env else project_root() / ".hawkeye"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def shared_data_dir() -> Path:
    """Public datasets for tests and benchmarks: ``$HAWKEYE_SHARED_DATA`` or ``../shared/data``."""
    env = os.environ.get("HAWKEYE_SHARED_DATA")
    return Path(env) if env else project_root().parent / "shared" / "data"


def resolve_data_path(path: str) -> Path:
    """Resolve a dataset path from a run configuration.

    ``shared:REL`` points into the shared public data folder; a relative path
    is taken from the project root so configs work from any working directory.
    """
    if path.startswith("shared:"):
        return shared_data_dir() / path.removeprefix("shared:")
    p = Path(path).expanduser()
    return p if p.is_absolute() else project_root() / p


def portable_path(path: Path) -> str:
    """Relative to the project root when inside it, so manifests are identical across clones."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(project_root()).as_posix()
    except ValueError:
        return str(resolved)
