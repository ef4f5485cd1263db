"""Environment profiles: the same run configuration on a laptop, a SLURM node or a cloud GPU.

``HAWKEYE_ENV`` (local / hpc / cloud) picks where data and models live, the
batch size, the precision, the device, the data-loader workers and the cores a
tree model uses. :func:`apply` turns a profile and a ``ModelConfig`` into the
configuration a run trains with; the train and tune steps and ``hawkeye stage
train`` call it in the process that trains (on SLURM: the job, so the job's
environment decides), and the steps log what it set as ``profile.*`` parameters.

What a profile changes, and when (:func:`apply`):

- ``local`` changes nothing: a run trains with the models' own defaults, as
  before profiles acted.
- ``hpc`` and ``cloud``, for a sequence net (and the autoencoder):
  ``batch_size``, ``gpu_precision`` (a Lightning precision used on CUDA only;
  on a CPU or MPS device the trainer trains in 32 bit and logs a warning),
  ``device`` and ``num_workers``; and, when it sets ``batch_size``, ``lr`` by
  the square-root rule ``lr = base_lr * sqrt(batch / REFERENCE_BATCH)``, where
  ``base_lr`` is the configuration's ``lr``, else the preset's, else the default.
- ``hpc`` and ``cloud``, for a model whose defaults have ``n_jobs`` (random
  forest, XGBoost): ``n_jobs`` = the cores this process may use (``cpus``:
  ``$SLURM_CPUS_PER_TASK`` in a SLURM job, else the CPU affinity).
- Nothing else (ordinal logistic, zero-shot scorers) is touched.

A key the run configuration's ``model.params`` names (after ``extends`` layers
are merged) wins: the profile leaves it as it is, and an explicit ``batch_size``
also keeps ``lr`` out of the rule (the configuration chose both). A batch size
or learning rate that a tuning trial samples wins over the profile's too.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from hawkeye.paths import project_root, shared_data_dir, state_dir

if TYPE_CHECKING:
    from hawkeye.config import ModelConfig

REFERENCE_BATCH = 32  # the batch size at which the configured learning rate was chosen
NAMES = ("local", "hpc", "cloud")


class Profile(BaseModel):
    """``None``: the profile leaves that value to the model's own default."""

    name: Literal["local", "hpc", "cloud"]
    data_root: Path
    model_root: Path
    batch_size: int | None = Field(None, gt=0)
    precision: Literal["32", "16-mixed", "bf16-mixed"] | None = Field(
        None, description="Lightning precision on CUDA; CPU and MPS train in 32 bit"
    )
    device: str | None = Field(None, description="auto, cuda, mps or cpu")
    num_workers: int | None = Field(None, ge=0, description="sequence-net data-loader workers")
    cpus: int | None = Field(None, gt=0, description="cores for a tree model's n_jobs")

    def learning_rate(self, base_lr: float, reference_batch: int = REFERENCE_BATCH) -> float:
        """Square-root scaling: lr * sqrt(batch / reference). Safer than linear for Adam.

        A profile without a batch size leaves the learning rate as it is.
        """
        if self.batch_size is None:
            return base_lr
        return base_lr * math.sqrt(self.batch_size / reference_batch)


def _env_path(var: str, default: Path) -> Path:
    return Path(os.environ[var]) if os.environ.get(var) else default


def available_cpus() -> int:
    """The cores this process may use: a SLURM job's allocation, else the CPU affinity."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        cores = os.cpu_count() or 1
    slurm = os.environ.get("SLURM_CPUS_PER_TASK", "")
    return min(cores, int(slurm)) if slurm.isdigit() and int(slurm) > 0 else max(cores, 1)


def resolve(name: str | None = None) -> Profile:
    """The profile ``name`` or ``$HAWKEYE_ENV`` (default local), paths from the environment.

    ``$HAWKEYE_DEVICE`` (auto, cuda, mps, cpu) sets the device under any profile.
    """
    name = name or os.environ.get("HAWKEYE_ENV", "local")
    if name not in NAMES:
        raise ValueError(f"HAWKEYE_ENV={name!r} is not a profile; choose local, hpc or cloud")
    cores = available_cpus()
    data = _env_path("HAWKEYE_DATA_ROOT", project_root() / "data")
    models = _env_path("HAWKEYE_MODEL_ROOT", state_dir() / "models")
    presets: dict[str, dict[str, Any]] = {
        # A laptop: the models' own defaults (batch 32, 32 bit on CPU/MPS, mixed precision on
        # CUDA, no loader workers, a forest on every core).
        "local": {},
        # A cluster GPU node: large batches, bf16 where the card has it (A100/H100), data on the
        # shared filesystem (set HAWKEYE_DATA_ROOT=/scratch/...), the job's cores.
        "hpc": {
            "batch_size": 128,
            "precision": "bf16-mixed",
            "device": "auto",
            "num_workers": min(8, cores),
            "cpus": cores,
        },
        # A rented GPU (A10G/L4): fp16 mixed precision, moderate batches.
        "cloud": {
            "batch_size": 64,
            "precision": "16-mixed",
            "device": "auto",
            "num_workers": min(4, cores),
            "cpus": cores,
        },
    }
    values = presets[name]
    if os.environ.get("HAWKEYE_DEVICE"):
        values = {**values, "device": os.environ["HAWKEYE_DEVICE"]}
    return Profile(name=name, data_root=data, model_root=models, **values)


@dataclass(frozen=True)
class Applied:
    """What :func:`apply` did: the values it set and the ones the configuration kept."""

    profile: str
    changed: dict[str, Any] = field(default_factory=dict)  # param -> value the profile set
    kept: dict[str, Any] = field(default_factory=dict)  # param -> the configuration's value

    def params(self) -> dict[str, Any]:
        """MLflow parameters: ``profile``, ``profile.<param>`` per value set, and which of the
        profile's values the configuration overrode (``profile.config_wins``)."""
        out: dict[str, Any] = {"profile": self.profile}
        out |= {f"profile.{k}": v for k, v in self.changed.items()}
        if self.kept:
            out["profile.config_wins"] = ", ".join(sorted(self.kept))
        return out


def profile_values(profile: Profile, model_name: str) -> dict[str, Any]:
    """The params a profile would set on model ``model_name`` (before the configuration's win
    and without the learning rate, which follows the batch size)."""
    from hawkeye.models.registry import spec
    from hawkeye.models.sequence.names import SEQUENCE_MODELS

    model = spec(model_name)
    # The torch nets of hawkeye.models.sequence only: other models that read sequences
    # (aeon's rockets) take none of these params and get the job's cores like the trees.
    if model_name in SEQUENCE_MODELS:
        wanted = {
            "batch_size": profile.batch_size,
            "gpu_precision": profile.precision,
            "device": profile.device,
            "num_workers": profile.num_workers,
        }
    elif "n_jobs" in model.defaults:
        wanted = {"n_jobs": profile.cpus}
    else:
        wanted = {}
    return {k: v for k, v in wanted.items() if v is not None}


def _base_lr(params: dict[str, Any]) -> float:
    """The configured lr, else the preset's, else the default."""
    from hawkeye.models.sequence.names import resolve_params

    return float(resolve_params({k: v for k, v in params.items() if k != "normal_label"})["lr"])


def apply(profile: Profile, cfg: ModelConfig) -> tuple[ModelConfig, Applied]:
    """The configuration a run trains with under ``profile``, and what the profile changed.

    Pure: the same profile and configuration give the same answer anywhere. See the module
    docstring for which values change and when; ``local`` returns ``cfg`` itself.
    """
    wanted = profile_values(profile, cfg.name)
    kept = {k: cfg.params[k] for k in wanted if k in cfg.params}
    changed = {k: v for k, v in wanted.items() if k not in cfg.params}
    if "batch_size" in changed:
        changed["lr"] = profile.learning_rate(_base_lr(cfg.params))
    applied = Applied(profile.name, changed, kept)
    if not changed:
        return cfg, applied
    return cfg.model_copy(update={"params": {**cfg.params, **changed}}), applied


def apply_current(cfg: ModelConfig) -> tuple[ModelConfig, Applied]:
    """:func:`apply` with the profile of this process's environment (``$HAWKEYE_ENV``)."""
    return apply(resolve(), cfg)


def describe_application(profile: Profile, base_lr: float = 1e-3) -> str:
    """One line: the values a run under ``profile`` applies, to which models."""
    seq = profile_values(profile, "lstm_attention")
    trees = profile_values(profile, "random_forest")
    if not seq and not trees:
        return "nothing: the models' own defaults (batch 32, lr as configured, auto precision)"
    parts = []
    if seq:
        shown = dict(seq)
        if "batch_size" in shown:
            shown["lr"] = f"{profile.learning_rate(base_lr):.3g}"
        parts.append("sequence nets " + ", ".join(f"{k}={v}" for k, v in shown.items()))
    if trees:
        parts.append("random_forest/xgboost " + ", ".join(f"{k}={v}" for k, v in trees.items()))
    return "; ".join(parts) + " (a key the run configuration's model.params names wins)"


def describe(profile: Profile, base_lr: float = 1e-3) -> dict[str, str]:
    """What `hawkeye env` prints."""
    try:
        import torch

        device = (
            ("cuda: " + torch.cuda.get_device_name(0))
            if torch.cuda.is_available()
            else ("mps" if torch.backends.mps.is_available() else "cpu")
        )
    except ImportError:  # pragma: no cover - torch is a dependency
        device = "cpu (torch missing)"
    default = "(model default)"
    if profile.precision is None:
        precision = "auto: mixed on CUDA, 32 on CPU/MPS " + default
    elif "cuda" in device:
        precision = profile.precision
    else:
        precision = f"32 (no CUDA: {profile.precision} applies on CUDA only)"
    batch = profile.batch_size
    return {
        "profile": profile.name,
        "device": device + (f" (profile: {profile.device})" if profile.device else ""),
        "data_root": str(profile.data_root),
        "shared_data": str(shared_data_dir()),
        "model_root": str(profile.model_root),
        "state_dir": str(state_dir()),
        "batch_size": str(batch) if batch else f"{REFERENCE_BATCH} {default}",
        "learning_rate": f"{profile.learning_rate(base_lr):.3g} (base {base_lr:g} at batch "
        f"{REFERENCE_BATCH}, square-root scaling)"
        if batch
        else f"{base_lr:g} as configured (no profile batch, no scaling)",
        "precision": precision,
        "num_workers": str(profile.num_workers)
        if profile.num_workers is not None
        else "0 " + default,
        "cpus": str(profile.cpus)
        if profile.cpus
        else f"{available_cpus()} available (n_jobs: the model's default)",
        "a run applies": describe_application(profile, base_lr),
    }
