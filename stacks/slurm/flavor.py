"""The ``slurm`` step operator flavor: its per-step settings and its component configuration.

Register it once per ZenML store (``stacks/bringup.py`` does this for stack files that list
it under ``flavors:``)::

    zenml step-operator flavor register stacks.slurm.flavor.SlurmStepOperatorFlavor

then set per-step settings under the ``step_operator`` key of a run configuration::

    steps:
      train:
        step_operator: hawkeye-slurm
        settings:
          step_operator: {partition: gpu, gres: "gpu:1", time_limit_min: 120, mem: 16G}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, field_validator
from zenml.config.base_settings import BaseSettings
from zenml.step_operators import BaseStepOperatorConfig, BaseStepOperatorFlavor

if TYPE_CHECKING:
    from stacks.slurm.step_operator import SlurmStepOperator

FLAVOR_NAME = "slurm"


def sbatch_flags(value: list[str]) -> list[str]:
    """Extra ``#SBATCH`` lines as flags (``--constraint=x``; a leading ``#SBATCH`` dropped);
    anything else is a ValueError, so a typo fails when the settings are read."""
    cleaned = [v.strip().removeprefix("#SBATCH").strip() for v in value]
    bad = [v for v in cleaned if not v.startswith("-")]
    if bad:
        raise ValueError(f"sbatch_options must be options such as --constraint=x, not {bad}")
    return cleaned


class SlurmStepOperatorSettings(BaseSettings):
    """What one step asks of SLURM (each field is an ``sbatch`` option unless said otherwise)."""

    partition: str | None = Field(None, description="--partition")
    time_limit_min: int = Field(60, ge=1, description="--time, in minutes")
    cpus_per_task: int | None = Field(None, ge=1, description="--cpus-per-task")
    mem: str | None = Field(None, description="--mem, e.g. 4G or 500M")
    gpus_per_node: int | None = Field(None, ge=0, description="--gpus-per-node")
    gres: str | None = Field(None, description="--gres, e.g. gpu:a100:1")
    account: str | None = Field(None, description="--account")
    qos: str | None = Field(None, description="--qos")
    job_name: str | None = Field(None, description="--job-name (default zenml-<pipeline>-<step>)")
    sbatch_options: list[str] = Field(
        default_factory=list,
        description="extra #SBATCH lines, each an option such as --constraint=v100",
    )
    setup: list[str] = Field(
        default_factory=list,
        description="shell lines run in the batch script before the step, e.g. module load",
    )
    working_dir: str | None = Field(
        None, description="job working directory (default: the ZenML source root)"
    )
    environment: dict[str, str] = Field(
        default_factory=dict, description="extra environment variables for the step"
    )
    max_requeues: int = Field(
        0,
        ge=0,
        description="times a job that reaches its time limit is requeued; the step resumes "
        "from what it left in $ZENML_SLURM_CHECKPOINT_DIR",
    )
    signal_delay_s: int = Field(
        90,
        ge=0,
        description="seconds before the time limit at which the job is told to stop (at most "
        "half of the limit less 30 s; SLURM may signal up to 30 s early)",
    )
    stop_grace_s: float = Field(
        10.0, ge=0, description="seconds the step gets after SIGTERM before SIGKILL"
    )
    use_srun: bool = Field(True, description="run the step as a job step (srun)")
    log_tail_lines: int = Field(40, ge=1, description="log lines quoted in a failure")

    @field_validator("sbatch_options")
    @classmethod
    def _options_are_flags(cls, value: list[str]) -> list[str]:
        return sbatch_flags(value)


class SlurmStepOperatorConfig(BaseStepOperatorConfig, SlurmStepOperatorSettings):
    """Where the cluster is and where job files go; the settings above act as defaults.

    The job runs the pipeline's own Python environment: the job folder, the interpreter,
    the code and ZenML's stores must be reachable from the compute nodes under the same
    paths (a shared filesystem), as on a cluster whose home or project space is shared.
    """

    job_dir: str | None = Field(
        None,
        description="folder on the shared filesystem for batch scripts, logs and checkpoints "
        "(default ~/.zenml-slurm)",
    )
    python: str | None = Field(
        None, description="interpreter on the nodes (default: the pipeline's own)"
    )
    poll_interval_s: float = Field(2.0, gt=0, description="seconds between log/state polls")
    forward_env: list[str] = Field(
        default_factory=lambda: ["ZENML_*", "MLFLOW_*", "HAWKEYE_*"],
        description="environment variables (names or PREFIX_*) passed on to the job; "
        "HAWKEYE_* carries HAWKEYE_ENV, the profile the job trains under (a step's "
        "`environment` setting can name another one for that job)",
    )
    ssh_host: str | None = Field(
        None, description="login node: submit and poll over ssh instead of locally"
    )
    ssh_user: str | None = None
    ssh_port: int = 22
    ssh_jump_host: str | None = Field(None, description="ssh -J, e.g. user@gateway:22")
    ssh_identity_file: str | None = None
    ssh_options: list[str] = Field(
        default_factory=list, description="extra ssh -o options, e.g. StrictHostKeyChecking=no"
    )

    @property
    def is_remote(self) -> bool:
        # The job reaches ZenML's store and artifact store through the shared filesystem,
        # so a local (sqlite) store is fine; see the class docstring.
        return False

    @property
    def is_local(self) -> bool:
        return self.ssh_host is None


class SlurmStepOperatorFlavor(BaseStepOperatorFlavor):
    """Runs a step as a SLURM batch job, in the same Python environment, via submitit."""

    @property
    def name(self) -> str:
        return FLAVOR_NAME

    @property
    def config_class(self) -> type[SlurmStepOperatorConfig]:
        return SlurmStepOperatorConfig

    @property
    def implementation_class(self) -> type[SlurmStepOperator]:
        from stacks.slurm.step_operator import SlurmStepOperator

        return SlurmStepOperator

    @property
    def docs_url(self) -> str | None:
        return None

    @property
    def sdk_docs_url(self) -> str | None:
        return None
