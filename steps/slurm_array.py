"""Which steps fan out as SLURM job arrays, and where their arrays live.

A step that can split its work (``landmark``: videos; ``tune``: Optuna trials) asks
:func:`step_array` for a :class:`~stacks.slurm.array.SlurmArray`. It gets one when the
active stack's step operator is SLURM and the step is not itself inside a SLURM job; it
gets None, and does the work here, otherwise. The step's ``extra.slurm_array`` in the run
configuration holds :class:`~stacks.slurm.array.ArraySettings` (``enabled: true`` insists,
``false`` never).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hawkeye.errors import HawkeyeError

if TYPE_CHECKING:
    from stacks.slurm.array import SlurmArray

EXTRA_KEY = "slurm_array"


def step_array(
    step_name: str,
    extra: dict[str, Any],
    run_id: str,
    log: Callable[[str], None],
) -> SlurmArray | None:
    """The array for ``step_name`` of run ``run_id``, or None to do the work in process."""
    from zenml.client import Client

    from stacks.slurm.array import ArraySettings, SlurmArray
    from stacks.slurm.flavor import FLAVOR_NAME

    settings = ArraySettings.model_validate({"job_name": f"hawkeye-{step_name}", **extra})
    if settings.enabled is False:
        return None
    operator = Client().active_stack.step_operator
    if operator is None or operator.flavor != FLAVOR_NAME:
        if settings.enabled:
            raise HawkeyeError(
                f"steps.{step_name}.extra.{EXTRA_KEY}.enabled is true, but the active stack "
                "has no SLURM step operator (hawkeye stack up slurm)"
            )
        return None
    if os.environ.get("SLURM_JOB_ID") and settings.enabled is None:
        # The step is itself a SLURM job (hpc_all): it works inside the CPUs it was given.
        return None
    root = Path(operator.config.job_dir or Path.home() / ".zenml-slurm").expanduser()
    folder = root / run_id / f"{step_name}-array"
    return SlurmArray.for_operator(settings, operator.config, folder, log)


def submissions_summary(array: SlurmArray) -> list[dict[str, Any]]:
    """What step metadata keeps of each sbatch: its array, pieces and #SBATCH/srun lines."""
    return [
        {k: s[k] for k in ("array_job_id", "indices", "array", "sbatch_lines", "command", "script")}
        | {"sbatch_seconds": round(s["sbatch_seconds"], 3), "submitted_at": s["submitted_at"]}
        for s in array.describe()
    ]
