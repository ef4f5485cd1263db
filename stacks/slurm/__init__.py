"""A ZenML step operator that runs steps as SLURM batch jobs (custom flavor ``slurm``).

``flavor.py`` holds the settings and configuration (what ZenML registers), ``step_operator.py``
the operator, ``cluster.py`` the submitit executor and job state, ``runner.py`` where SLURM
commands run (here or over ssh) and ``job.py`` what runs on the node.
"""

from stacks.slurm.flavor import (
    FLAVOR_NAME,
    SlurmStepOperatorConfig,
    SlurmStepOperatorFlavor,
    SlurmStepOperatorSettings,
)

__all__ = [
    "FLAVOR_NAME",
    "SlurmStepOperatorConfig",
    "SlurmStepOperatorFlavor",
    "SlurmStepOperatorSettings",
]
