"""Where a result came from: git commit, DVC data version, and the domain code's own hash.

ZenML keys its step cache on the step function's source, not on the code that
function calls: without :func:`code_version` in the key, a fix in the feature
code would be served stale features from the cache.
"""

from __future__ import annotations

import hashlib
import subprocess
from functools import lru_cache
from pathlib import Path

import yaml

from hawkeye.paths import project_root

PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def code_version() -> str:
    """SHA-1 over every module of the ``hawkeye`` package (paths and bytes)."""
    digest = hashlib.sha1()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def git_commit(root: Path | None = None) -> str:
    """HEAD of the project, with ``-dirty`` when tracked files differ from it."""
    root = root or project_root()
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{sha}-dirty" if dirty else sha


def dvc_data_md5(root: Path | None = None) -> str:
    """The md5 that ``data.dvc`` records for the raw data folder."""
    path = (root or project_root()) / "data.dvc"
    try:
        outs = yaml.safe_load(path.read_text()).get("outs", [])
        return str(outs[0]["md5"]) if outs else "none"
    except (OSError, yaml.YAMLError, KeyError, IndexError, AttributeError):
        return "none"
