"""Environment profiles: the same run configuration on a laptop, a SLURM node or a cloud GPU.

``HAWKEYE_ENV`` (local / hpc / cloud) picks where data and models live, the
batch size and the precision. A bigger batch changes the optimisation, so the
learning rate follows a declared rule (square-root scaling) instead of staying
put; both values are logged with every run, so switching profile never changes
results silently.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from hawkeye.paths import project_root, shared_data_dir, state_dir

REFERENCE_BATCH = 32  # the batch size at which the configured learning rate was chosen


class Profile(BaseModel):
    name: Literal["local", "hpc", "cloud"]
    data_root: Path
    model_root: Path
    batch_size: int = Field(gt=0)
    precision: Literal["32", "16-mixed", "bf16-mixed"]
    device: str = "auto"
    num_workers: int = Field(0, ge=0)

    def learning_rate(self, base_lr: float, reference_batch: int = REFERENCE_BATCH) -> float:
        """Square-root scaling: lr * sqrt(batch / reference). Safer than linear for Adam."""
        return base_lr * math.sqrt(self.batch_size / reference_batch)


def _env_path(var: str, default: Path) -> Path:
    return Path(os.environ[var]) if os.environ.get(var) else default


def resolve(name: str | None = None) -> Profile:
    """The profile ``name`` or ``$HAWKEYE_ENV`` (default local), paths from the environment."""
    name = name or os.environ.get("HAWKEYE_ENV", "local")
    cores = os.cpu_count() or 1
    data = _env_path("HAWKEYE_DATA_ROOT", project_root() / "data")
    models = _env_path("HAWKEYE_MODEL_ROOT", state_dir() / "models")
    presets = {
        # A laptop: small batches, full precision (CPUs and MPS gain little from AMP).
        "local": {"batch_size": 16, "precision": "32", "num_workers": 0},
        # A cluster GPU node: large batches, bf16 where the card has it (A100/H100), data on the
        # shared filesystem (set HAWKEYE_DATA_ROOT=/scratch/...).
        "hpc": {"batch_size": 128, "precision": "bf16-mixed", "num_workers": min(8, cores)},
        # A rented GPU (A10G/L4): fp16 mixed precision, moderate batches.
        "cloud": {"batch_size": 64, "precision": "16-mixed", "num_workers": min(4, cores)},
    }
    if name not in presets:
        raise ValueError(f"HAWKEYE_ENV={name!r} is not a profile; choose local, hpc or cloud")
    return Profile(name=name, data_root=data, model_root=models, **presets[name])


def describe(profile: Profile, base_lr: float = 1e-3) -> dict[str, str]:
    """What `hawkeye env` prints and every run logs."""
    try:
        import torch

        device = (
            ("cuda: " + torch.cuda.get_device_name(0))
            if torch.cuda.is_available()
            else ("mps" if torch.backends.mps.is_available() else "cpu")
        )
    except ImportError:  # pragma: no cover - torch is a dependency
        device = "cpu (torch missing)"
    return {
        "profile": profile.name,
        "device": device,
        "data_root": str(profile.data_root),
        "shared_data": str(shared_data_dir()),
        "model_root": str(profile.model_root),
        "state_dir": str(state_dir()),
        "batch_size": str(profile.batch_size),
        "learning_rate": f"{profile.learning_rate(base_lr):.3g} (base {base_lr:g} at batch "
        f"{REFERENCE_BATCH}, square-root scaling)",
        "precision": profile.precision if "cuda" in device else "32 (no CUDA: mixed precision off)",
        "num_workers": str(profile.num_workers),
    }
