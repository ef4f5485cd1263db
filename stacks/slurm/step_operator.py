"""The SLURM step operator: one ZenML step, one ``sbatch`` job, followed to its end.

``launch`` renders and submits the job with submitit (see ``cluster.py``), records the job
id in the step's run metadata, streams the job's log into the step's log while it runs,
and returns when the job has finished. A failed, timed-out or cancelled job raises
:class:`SlurmJobError` with the tail of the SLURM log; an interrupted pipeline process
(Ctrl-C, SIGTERM, a stopped run) cancels the job with ``scancel`` before it gives up.
"""

from __future__ import annotations

import fnmatch
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from zenml import log_metadata
from zenml.logger import get_logger
from zenml.step_operators import BaseStepOperator
from zenml.step_operators.step_operator_entrypoint_configuration import (
    StepOperatorEntrypointConfiguration,
)
from zenml.utils import source_utils

from stacks.slurm.flavor import SlurmStepOperatorConfig, SlurmStepOperatorSettings
from stacks.slurm.runner import make_runner

if TYPE_CHECKING:
    from zenml.config.base_settings import BaseSettings
    from zenml.config.step_run_info import StepRunInfo

logger = get_logger(__name__)

# The job's own step runner would write the same lines to the step's log that launch()
# streams from the SLURM log; one copy is enough, and the SLURM log also holds what
# happens outside Python (setup lines, SLURM's own messages).
_NO_DUPLICATE_LOGS = {"ZENML_DISABLE_STEP_LOGS_STORAGE": "true"}


class SlurmJobError(RuntimeError):
    """The SLURM job of a step did not complete."""


class LogTail:
    """Reads what was appended to a log file since the last call, line by line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""

    def read(self, final: bool = False) -> list[str]:
        try:
            with self.path.open("rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            data = b""
        self.offset += len(data)
        data = self.partial + data
        *lines, self.partial = data.split(b"\n")
        if final and self.partial:
            lines.append(self.partial)
            self.partial = b""
        return [line.decode("utf-8", "replace").rstrip("\r") for line in lines]


def tail_lines(path: Path, n: int) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.rstrip("\n").splitlines()[-n:])


def forwarded_environment(patterns: list[str]) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if any(fnmatch.fnmatchcase(k, p) for p in patterns)}


def warning_delay(settings: SlurmStepOperatorSettings) -> int:
    """``--signal=USR2@<this>``, kept to the second half of the job's time.

    slurmctld checks limits every 30 s and signals when the time left, less the delay, would
    run out before its next check; with a delay near the limit (submitit's default 90 s on a
    2-minute job) the "time-out" comes as the job starts.
    """
    usable = settings.time_limit_min * 60 - 30
    limit = max(1, usable // 2)
    if settings.signal_delay_s > limit:
        logger.info(
            "signal_delay_s %s is more than half of a %s min time limit: using %s s",
            settings.signal_delay_s,
            settings.time_limit_min,
            limit,
        )
        return limit
    return settings.signal_delay_s


def _job_name(info: StepRunInfo, settings: SlurmStepOperatorSettings) -> str:
    name = settings.job_name or f"zenml-{info.pipeline.name}-{info.pipeline_step_name}"
    return re.sub(r"[^\w.-]", "_", name)[:100]


class SlurmStepOperator(BaseStepOperator):
    """Runs a step as a SLURM batch job in the pipeline's own Python environment."""

    @property
    def config(self) -> SlurmStepOperatorConfig:
        return cast(SlurmStepOperatorConfig, self._config)

    @property
    def settings_class(self) -> type[BaseSettings] | None:
        return SlurmStepOperatorSettings

    @property
    def entrypoint_config_class(self) -> type[StepOperatorEntrypointConfiguration]:
        from stacks.slurm.entrypoint import SlurmStepEntrypointConfiguration

        return SlurmStepEntrypointConfiguration

    def _job_dir(self, info: StepRunInfo) -> Path:
        root = Path(self.config.job_dir or Path.home() / ".zenml-slurm").expanduser()
        return root.resolve() / str(info.run_id) / info.pipeline_step_name

    def launch(
        self,
        info: StepRunInfo,
        entrypoint_command: list[str],
        environment: dict[str, str],
    ) -> None:
        import cloudpickle

        import stacks.slurm.job as job_module
        from stacks.slurm.cluster import RunnerSlurmExecutor, SlurmCLI, queue_seconds

        settings = cast(SlurmStepOperatorSettings, self.get_settings(info))
        cli = SlurmCLI(make_runner(self.config))
        problem = cli.ping()
        if problem:
            raise SlurmJobError(f"SLURM is not reachable ({cli.runner.describe()}): {problem}")

        folder = self._job_dir(info)
        checkpoint_dir = folder / "checkpoint"
        checkpoint_dir.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)  # the pickled command holds the step's environment (store tokens)
        source_root = source_utils.get_source_root()
        working_dir = settings.working_dir or source_root
        env = {
            **forwarded_environment(self.config.forward_env),
            **environment,
            **settings.environment,
            **_NO_DUPLICATE_LOGS,
        }
        # The step's code (and this package, for the entrypoint) from any working directory.
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (source_root, env.get("PYTHONPATH", os.environ.get("PYTHONPATH"))) if p
        )
        command = job_module.StepCommand(
            entrypoint_command, env, working_dir, str(checkpoint_dir), settings.stop_grace_s
        )
        # The job process does not need this repository on its path to unpickle the command.
        cloudpickle.register_pickle_by_value(job_module)

        executor = RunnerSlurmExecutor(
            folder,
            cli,
            max_num_timeout=settings.max_requeues,
            python=self.config.python,
            sbatch_lines=settings.sbatch_options,
            state_delay_s=max(2, int(self.config.poll_interval_s * 3)),
        )
        parameters: dict[str, Any] = {
            "job_name": _job_name(info, settings),
            "time": settings.time_limit_min,
            "signal_delay_s": warning_delay(settings),
            "stderr_to_stdout": True,
            "use_srun": settings.use_srun,
            "setup": list(settings.setup),
            "additional_parameters": {"chdir": working_dir},
        }
        for key in ("partition", "cpus_per_task", "mem", "gpus_per_node", "gres", "account"):
            if getattr(settings, key) is not None:
                parameters[key] = getattr(settings, key)
        if settings.qos is not None:
            parameters["qos"] = settings.qos
        if settings.max_requeues:
            parameters["additional_parameters"]["requeue"] = True
        executor.update_parameters(**parameters)

        info.force_write_logs()  # what the launcher logged so far, before the wait
        start = time.monotonic()
        job = executor.submit(command)
        submitted = time.monotonic()
        log_path = job.paths.stdout
        logger.info(
            "Submitted step `%s` as SLURM job %s (%s, %.2f s); log: %s",
            info.pipeline_step_name,
            job.job_id,
            cli.runner.describe(),
            submitted - start,
            log_path,
        )
        self._log_metadata(
            info,
            {
                "slurm_job_id": job.job_id,
                "slurm_job_name": parameters["job_name"],
                "slurm_batch_script": str(job.paths.submission_file),
                "slurm_log": str(log_path),
                "slurm_submitted_via": cli.runner.describe(),
                "slurm_sbatch_seconds": round(submitted - start, 3),
            },
        )
        try:
            state = self._follow(job, LogTail(log_path))
        except BaseException:
            # Ctrl-C, SIGTERM or a stopped run: the job must not outlive the pipeline process.
            logger.warning("Cancelling SLURM job %s (scancel).", job.job_id)
            job.cancel(check=False)
            self._log_metadata(info, {"slurm_state": "CANCELLED"})
            raise
        wall = time.monotonic() - start
        outcome, result = self._outcome(job)
        details = {
            "slurm_state": state.get("State", "UNKNOWN"),
            "slurm_exit_code": state.get("ExitCode", ""),
            "slurm_restarts": int(state.get("Restarts", "0") or 0),
            "slurm_node": state.get("NodeList", ""),
            "slurm_wall_seconds": round(wall, 3),
        }
        if (queued := queue_seconds(state)) is not None:
            details["slurm_queue_seconds"] = queued
        if outcome == "success" and isinstance(result, dict):
            details["slurm_step_seconds"] = result["seconds"]
            details["slurm_overhead_seconds"] = round(wall - result["seconds"], 3)
        self._log_metadata(info, details)
        if outcome == "success":
            logger.info(
                "SLURM job %s completed in %.1f s (%s).",
                job.job_id,
                wall,
                ", ".join(f"{k.removeprefix('slurm_')} {v}" for k, v in details.items()),
            )
            return
        raise SlurmJobError(self._failure_message(job, state, settings, result, log_path))

    def _follow(self, job: Any, log: LogTail) -> dict[str, str]:
        """Stream the log until the job is over; its last known SLURM state."""
        while True:
            for line in log.read():
                logger.info("[slurm %s] %s", job.job_id, line)  # into the step's log
            if job.done():
                break
            time.sleep(self.config.poll_interval_s)
        # The result file comes before SLURM's bookkeeping: wait (briefly) for a final state.
        state: dict[str, str] = {}
        for _ in range(20):
            state = job.watcher.get_info(job.job_id, mode="force")
            if state.get("State", "UNKNOWN") not in ("RUNNING", "COMPLETING", "UNKNOWN", ""):
                break
            time.sleep(0.5)
        for line in log.read(final=True):
            logger.info("[slurm %s] %s", job.job_id, line)
        return state

    @staticmethod
    def _outcome(job: Any) -> tuple[str, Any]:
        if not job.paths.result_pickle.exists():
            return "missing", None
        try:
            return cast(tuple[str, Any], job._get_outcome_and_result())
        except Exception as exc:  # an unreadable result is a failure, not a crash
            return "error", f"cannot read {job.paths.result_pickle}: {exc}"

    @staticmethod
    def _failure_message(
        job: Any,
        state: dict[str, str],
        settings: SlurmStepOperatorSettings,
        result: Any,
        log_path: Path,
    ) -> str:
        slurm_state = state.get("State", "UNKNOWN")
        restarts = state.get("Restarts", "0")
        trace = result if isinstance(result, str) else ""
        if slurm_state == "TIMEOUT" or "timed-out" in trace:
            what = (
                f"reached its time limit ({settings.time_limit_min} min) after {restarts} "
                f"requeue(s) of {settings.max_requeues} allowed"
            )
        elif slurm_state.startswith("CANCELLED"):
            what = "was cancelled"
        elif slurm_state in ("OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL", "DEADLINE", "PREEMPTED"):
            what = f"ended {slurm_state}"
        else:
            what = f"failed ({slurm_state}, exit code {state.get('ExitCode', '?')})"
        cause = ""
        if trace:
            last = [line for line in trace.strip().splitlines() if line.strip()]
            cause = f": {last[-1].strip()}" if last else ""
        return (
            f"SLURM job {job.job_id} {what}{cause}\n"
            f"--- last {settings.log_tail_lines} lines of {log_path}:\n"
            f"{tail_lines(log_path, settings.log_tail_lines)}"
        )

    @staticmethod
    def _log_metadata(info: StepRunInfo, metadata: dict[str, Any]) -> None:
        try:
            log_metadata(metadata=metadata, step_id=info.step_run_id)
        except Exception as exc:  # metadata is a record, never a reason to fail the step
            logger.warning("Could not record SLURM metadata %s: %s", sorted(metadata), exc)
