"""Content fingerprint of a dataset: the key that tells a cached run from a stale one.

ZenML caches a step on its code and parameters; a changed file under
``data/raw`` changes neither. The pipeline passes this fingerprint to
``ingest`` so that edited data invalidates the cache, and every MLflow run
records it beside the ``data.dvc`` md5.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from hawkeye.config import BUILTIN_FORMATS, DatasetConfig, SyntheticConfig
from hawkeye.data import synthetic
from hawkeye.data.tables import named_sources
from hawkeye.paths import resolve_data_path

_CHUNK = 1 << 20


def file_md5(path: Path, digest: hashlib._Hash | None = None) -> str:
    h = digest or hashlib.md5()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def generator(task: str) -> Callable[[Path, SyntheticConfig], Path]:
    """The synthetic data generator of a task."""
    if task == "gait":
        from hawkeye.data import synthetic_gait

        return synthetic_gait.generate
    if task == "finger_tapping":
        return synthetic.generate
    raise ValueError(f"no synthetic generator for task {task!r} (finger_tapping, gait)")


def prepare(cfg: DatasetConfig) -> Path:
    """Generate a synthetic dataset if the config asks for it; return the dataset's entry file."""
    path = resolve_data_path(cfg.path)
    if cfg.synthetic is not None:
        generator(cfg.task)(path.parent, cfg.synthetic)
    return path


def dataset_fingerprint(cfg: DatasetConfig) -> str:
    """md5 over the entry file and every file it names (videos: by size and mtime)."""
    path = prepare(cfg)
    if cfg.format not in BUILTIN_FORMATS:  # a registered skeleton format: its own files
        from hawkeye.data import formats

        return formats.fingerprint(cfg.format, path)
    if not path.is_file():
        return "missing"
    digest = hashlib.md5()
    file_md5(path, digest)
    if cfg.kind in ("landmarks", "videos"):
        for rel in sorted(named_sources(path)):
            member = path.parent / rel
            digest.update(rel.encode())
            if not member.is_file():
                continue
            if cfg.kind == "videos":
                # Videos can be gigabytes: size and mtime here, content in the landmark cache key.
                st = member.stat()
                digest.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
            else:
                file_md5(member, digest)
    return digest.hexdigest()


def folder_fingerprint(folder: Path) -> str:
    """Names, sizes and mtimes of every video below ``folder``.

    Changes when a video is added or edited."""
    from hawkeye.data.videos import scan_folder

    digest = hashlib.md5()
    for path in scan_folder(folder):
        st = path.stat()
        digest.update(f"{path.relative_to(folder)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()
