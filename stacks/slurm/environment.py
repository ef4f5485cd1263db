"""What a step sees of its SLURM job: the checkpoint folder kept across requeues, the attempt.

``job.py`` sets both variables for the step process it starts; a step reads them here (no
submitit imported), and finds nothing when it runs anywhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

CHECKPOINT_ENV = "ZENML_SLURM_CHECKPOINT_DIR"
ATTEMPT_ENV = "ZENML_SLURM_ATTEMPT"


def checkpoint_folder() -> Path | None:
    """The job's checkpoint folder (the same on every attempt), or None off SLURM."""
    value = os.environ.get(CHECKPOINT_ENV)
    return Path(value) if value else None


def attempt() -> int:
    """1 on the first run of the job, n + 1 after n requeues; 1 off SLURM."""
    return int(os.environ.get(ATTEMPT_ENV) or 1)
