"""Where a result came from: git commit, DVC data version, and the domain code's own hash.

ZenML keys its step cache on the step function's source, not on the code that
function calls: without :func:`code_version` in the key, a fix in the feature
code would be served stale features from the cache.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
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


def dvc_tracking(path: Path, root: Path | None = None) -> tuple[str, str] | None:
    """``(dvc file, md5)`` of the DVC-tracked output that holds ``path``; None if none does.

    Looks at ``data.dvc`` and every ``*.dvc`` below ``data/``: an output path is relative to
    its ``.dvc`` file's folder.
    """
    root = (root or project_root()).resolve()
    target = Path(path).resolve()
    for dvc_file in [root / "data.dvc", *sorted((root / "data").glob("**/*.dvc"))]:
        try:
            outs = (yaml.safe_load(dvc_file.read_text()) or {}).get("outs", [])
        except (OSError, yaml.YAMLError, AttributeError):
            continue
        for out in outs:
            tracked = (dvc_file.parent / str(out.get("path", ""))).resolve()
            if target == tracked or tracked in target.parents:
                return dvc_file.relative_to(root).as_posix(), str(out.get("md5", ""))
    return None


def dvc_clean(dvc_file: str, root: Path | None = None) -> bool | None:
    """Whether the workspace still holds what ``dvc_file`` records (``dvc status``);
    None when DVC cannot tell (not installed, not a DVC repository)."""
    try:
        out = subprocess.run(
            [sys.executable, "-m", "dvc", "status", "--json", dvc_file],
            cwd=root or project_root(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() in ("", "{}")


def data_version(path: Path, fingerprint: str) -> tuple[str, str]:
    """What identifies a dataset's data: ``(kind, value)``.

    The md5 DVC records for the tracked output holding ``path``, when the workspace still
    holds exactly that (``"dvc data.dvc"``); otherwise the content fingerprint of the files
    themselves, saying why (not tracked, or changed since the ``.dvc`` file was written).
    """
    tracked = dvc_tracking(path)
    if tracked is None:
        return "content fingerprint (not DVC-tracked)", fingerprint
    clean = dvc_clean(tracked[0])
    if clean:
        return f"dvc {tracked[0]}", tracked[1]
    why = "changed since committed" if clean is False else "dvc status unavailable"
    return f"content fingerprint ({tracked[0]} {why})", fingerprint
