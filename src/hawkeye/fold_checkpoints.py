"""Finished folds kept on disk, so a training that is stopped and started again (a SLURM
requeue at the time limit, a preempted node) trains only what it had not finished.

A :class:`FoldStore` is a folder the caller owns (on SLURM the job's checkpoint folder,
``$ZENML_SLURM_CHECKPOINT_DIR``, kept across requeues). Each finished fold's out-of-fold
predictions are written there atomically (a temporary file, then a rename: a kill mid-write
leaves the previous state), next to a key: the digest of the model configuration and the
recordings and folds it was trained on. A store whose key differs is another training and
is emptied, never reused. Sequence nets also get a folder a fit (``fold<k>``, ``final``)
for their own epoch checkpoints (``params.checkpoint_dir``), so a fold stopped mid-way
resumes at its last epoch.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

KEY_FILE = "key.json"


def training_key(cfg: Any, data: pd.DataFrame) -> str:
    """What decides a fold's result: the model configuration, the recordings, their folds."""
    digest = hashlib.sha256(cfg.model_dump_json().encode())
    for sample, fold in sorted(zip(data["sample_id"].astype(str), data["fold"], strict=True)):
        digest.update(f"{sample}\0{int(fold)}\n".encode())
    return digest.hexdigest()


class FoldStore:
    """Out-of-fold predictions of finished folds, under ``folder`` (see the module doc)."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder = Path(folder)
        self.key = key
        self.folder.mkdir(parents=True, exist_ok=True)
        key_path = self.folder / KEY_FILE
        if key_path.exists() and json.loads(key_path.read_text()).get("key") != key:
            for entry in self.folder.iterdir():  # another training's state: not ours to reuse
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        if not key_path.exists():
            _atomic_write(key_path, json.dumps({"key": key}).encode())

    def _path(self, fold: int) -> Path:
        return self.folder / f"fold{int(fold)}.parquet"

    def load(self, fold: int) -> pd.DataFrame | None:
        """The fold's predictions if it finished before, else None."""
        path = self._path(fold)
        return pd.read_parquet(path) if path.exists() else None

    def save(self, fold: int, predictions: pd.DataFrame) -> None:
        tmp = self._path(fold).with_suffix(".tmp")
        predictions.to_parquet(tmp, index=False)
        os.replace(tmp, self._path(fold))

    def fit_folder(self, name: str) -> Path:
        """A folder for one fit's own checkpoints (a sequence net's epochs)."""
        path = self.folder / name
        path.mkdir(exist_ok=True)
        return path

    def finished(self) -> list[int]:
        return sorted(int(p.stem.removeprefix("fold")) for p in self.folder.glob("fold*.parquet"))


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
