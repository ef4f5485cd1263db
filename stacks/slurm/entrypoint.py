"""ZenML's step-operator entrypoint, minus its move into a Docker image's ``/app``.

``StepEntrypointConfiguration.run`` creates ``/app`` and changes into it, which is where the
code sits in ZenML's images. A SLURM job runs the checkout itself from its working
directory (``sbatch --chdir``): code that resolves paths from the working directory must
find the project there, and on a cluster an unprivileged user cannot create ``/app``. The
rest of ``run`` is ZenML 0.92's, unchanged.
"""

from __future__ import annotations

from zenml.entrypoints.step_entrypoint_configuration import STEP_NAME_OPTION
from zenml.integrations.registry import integration_registry
from zenml.step_operators.step_operator_entrypoint_configuration import (
    StepOperatorEntrypointConfiguration,
)


class SlurmStepEntrypointConfiguration(StepOperatorEntrypointConfiguration):
    def run(self) -> None:
        snapshot = self.snapshot
        integration_registry.activate_integrations()
        step_name = self.entrypoint_args[STEP_NAME_OPTION]
        self.download_code_if_necessary()
        self._run_step(step=self.step, snapshot=snapshot)
        self.post_run(pipeline_name=snapshot.pipeline_configuration.name, step_name=step_name)
