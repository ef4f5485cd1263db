"""submitit, adapted: commands through a :class:`CommandRunner`, job state from scontrol.

submitit's ``SlurmExecutor`` renders the batch script, pickles the callable and submits it;
its job runtime (``python -m submitit.core._submit``) runs the callable on the node, handles
the time-limit signal, checkpoints and requeues. Two things in it are replaced here:

* its job watcher reads state from ``sacct`` only, which needs slurmdbd and a database; this
  one asks ``scontrol show job`` (which knows finished jobs for ``MinJobAge`` seconds) and
  falls back to ``sacct`` for jobs scontrol has forgotten;
* it runs ``sbatch``/``scancel``/``sacct`` as local processes; here they go through a runner,
  so the same code submits on this machine or on a login node over ssh.
"""

from __future__ import annotations

import re
import time
import typing as tp
from datetime import datetime
from pathlib import Path

from submitit.core.core import InfoWatcher
from submitit.slurm.slurm import SlurmExecutor, SlurmJob

from stacks.slurm.runner import CommandRunner

# States in which a job may still run (again). Anything else is final.
ACTIVE_STATES = frozenset(
    {
        "PENDING",
        "CONFIGURING",
        "RUNNING",
        "COMPLETING",
        "REQUEUED",
        "REQUEUE_HOLD",
        "REQUEUE_FED",
        "RESIZING",
        "SUSPENDED",
        "STOPPED",
        "SIGNALING",
        "STAGE_OUT",
        "PREEMPTED",
        "RESV_DEL_HOLD",
        "UNKNOWN",
    }
)
GONE = "PURGED"  # neither scontrol nor sacct knows the job any more
_FIELDS = (
    "JobState",
    "Reason",
    "ExitCode",
    "Restarts",
    "NodeList",
    "RunTime",
    "TimeLimit",
    "SubmitTime",
    "StartTime",
)


def queue_seconds(info: dict[str, str]) -> float | None:
    """From (re)submission to start of the job's last attempt, by SLURM's clock (1 s steps)."""
    try:
        start = datetime.fromisoformat(info["StartTime"])
        submit = datetime.fromisoformat(info["SubmitTime"])
    except (KeyError, ValueError):
        return None
    return (start - submit).total_seconds()


def parse_scontrol(text: str) -> dict[str, str]:
    """The fields we use from one ``scontrol show job --oneliner`` line."""
    info = {}
    for key in _FIELDS:
        match = re.search(rf"(?:^|\s){key}=(\S*)", text)
        if match:
            info[key] = match.group(1)
    if "JobState" in info:
        info["State"] = info["JobState"]
    return info


class SlurmCLI:
    """The few SLURM commands the step operator needs, wherever they run."""

    def __init__(self, runner: CommandRunner) -> None:
        self.runner = runner

    def job_info(self, job_id: str) -> dict[str, str]:
        proc = self.runner.run(["scontrol", "show", "job", "--oneliner", job_id], timeout=60)
        if proc.returncode == 0 and "JobState=" in proc.stdout:
            return parse_scontrol(proc.stdout)
        if "Invalid job id" not in proc.stdout + proc.stderr:
            return {}  # slurmctld busy or unreachable: no news, ask again later
        proc = self.runner.run(
            ["sacct", "-j", job_id, "-X", "-n", "-P", "-o", "JobID,State,ExitCode,NodeList"],
            timeout=60,
        )
        for line in proc.stdout.splitlines() if proc.returncode == 0 else []:
            jid, state, exit_code, nodes = [*line.split("|"), "", "", ""][:4]
            if jid == job_id:
                state = state.split()[0] if state else "UNKNOWN"  # "CANCELLED by 0"
                return {"State": state, "ExitCode": exit_code, "NodeList": nodes}
        return {"State": GONE}

    def cancel(self, job_id: str, check: bool = False) -> None:
        proc = self.runner.run(["scancel", job_id], timeout=60)
        if check and proc.returncode != 0:
            raise RuntimeError(f"scancel {job_id} failed: {proc.stderr.strip()}")

    def ping(self) -> str:
        """Why SLURM cannot take jobs, or '' when it can."""
        try:
            proc = self.runner.run(["sinfo", "-h", "-o", "%T"], timeout=30)
        except (OSError, TimeoutError) as exc:
            return f"sinfo failed: {exc}"
        if proc.returncode != 0:
            return f"sinfo failed: {(proc.stderr or proc.stdout).strip()}"
        return "" if proc.stdout.strip() else "sinfo lists no nodes"


class ScontrolWatcher(InfoWatcher):
    """submitit's job watcher, fed by :meth:`SlurmCLI.job_info` instead of sacct."""

    def __init__(self, cli: SlurmCLI, delay_s: int = 10) -> None:
        super().__init__(delay_s=delay_s)
        self.cli = cli

    def _make_command(self) -> list[str] | None:  # not used: update() asks per job
        return None

    def update(self) -> None:
        self._num_calls += 1
        for job_id in self._registered - self._finished:
            info = self.cli.job_info(job_id.split("_")[0])
            if info:
                self._info_dict[job_id] = info
        self._last_status_check = time.time()
        for job_id in self._registered - self._finished:
            if self.is_done(job_id, mode="cache"):
                self._finished.add(job_id)

    def get_state(self, job_id: str, mode: str = "standard") -> str:
        return self.get_info(job_id, mode=mode).get("State") or "UNKNOWN"

    def is_done(self, job_id: str, mode: str = "standard") -> bool:
        return self.get_state(job_id, mode=mode).upper() not in ACTIVE_STATES


def job_class(cli: SlurmCLI, delay_s: int = 10) -> type[SlurmJob]:
    """A SlurmJob class whose state (asked at most every ``delay_s``) and cancel use ``cli``."""

    class RunnerSlurmJob(SlurmJob):
        watcher = ScontrolWatcher(cli, delay_s=delay_s)

        def cancel(self, check: bool = True) -> None:
            cli.cancel(self.job_id, check=check)

    return RunnerSlurmJob


class RunnerSlurmExecutor(SlurmExecutor):
    """submitit's SlurmExecutor with sbatch through a runner and free-form #SBATCH lines."""

    def __init__(
        self,
        folder: str | Path,
        cli: SlurmCLI,
        max_num_timeout: int = 0,
        python: str | None = None,
        sbatch_lines: tp.Sequence[str] = (),
        state_delay_s: int = 10,
    ) -> None:
        super().__init__(folder, max_num_timeout=max_num_timeout, python=python)
        self.cli = cli
        self.sbatch_lines = [f"#SBATCH {line}" for line in sbatch_lines]
        self.job_class = job_class(cli, state_delay_s)

    @classmethod
    def affinity(cls) -> int:
        # submitit looks for a local srun; with a login node over ssh there is none here.
        return 2

    def _make_submission_command(self, submission_file_path: Path) -> list[str]:
        return self.cli.runner.wrap(["sbatch", str(submission_file_path)])

    def _make_submission_file_text(self, command: str, uid: str) -> str:
        text = super()._make_submission_file_text(command, uid)
        if not self.sbatch_lines:
            return text
        lines = text.split("\n")
        last = max(i for i, line in enumerate(lines) if line.startswith("#SBATCH"))
        return "\n".join([*lines[: last + 1], *self.sbatch_lines, *lines[last + 1 :]])
