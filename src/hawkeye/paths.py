"""Where Hawkeye keeps run state and where it looks for shared data.

Everything a run writes (MLflow store, ZenML artifacts, caches) lives under one
project-local folder so that a clone is self-contained and a user can move it
with one environment variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

PROJECT_FILE = "hawkeye.yaml"  # marks a project: this checkout, or a folder `hawkeye init` made
DEFAULT_CONFIGS = "configs"


def project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` that holds a ``hawkeye.yaml``.

    That is this checkout or a lab's own project made by ``hawkeye init``; falling back
    to the working directory keeps library use from a notebook working too.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    return here


def project_settings(root: Path | None = None) -> dict[str, Any]:
    """The project's ``hawkeye.yaml`` (empty when there is none)."""
    path = (root or project_root()) / PROJECT_FILE
    if not path.is_file():
        return {}
    raw = yaml.safe_load(path.read_text()) or {}
    return raw if isinstance(raw, dict) else {}


def run_configs_dir(root: Path | None = None) -> Path:
    """Where the project keeps its run configurations (``configs:`` in hawkeye.yaml)."""
    root = root or project_root()
    return root / str(project_settings(root).get("configs", DEFAULT_CONFIGS))


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
