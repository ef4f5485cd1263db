"""submitit, adapted: commands through a :class:`CommandRunner`, job state from scontrol.

submitit's ``SlurmExecutor`` renders the batch script, pickles the callable and submits it;
its job runtime (``python -m submitit.core._submit``) runs the callable on the node, handles
the time-limit signal, checkpoints and requeues. Two things in it are replaced here:

* its job watcher reads state from ``sacct`` only, which needs slurmdbd and a database; this
  one asks ``scontrol show job`` (which knows finished jobs for ``MinJobAge`` seconds) and
  falls back to ``sacct`` for jobs scontrol has forgotten;
* it runs ``sbatch``/``scancel``/``sacct`` as local processes; here they go through a runner,
  so the same code submits on this machine or on a login node over ssh.

Job arrays (``map_array``, ``batch()``, :meth:`RunnerSlurmExecutor.submit_array_of`) go
through the same runner and watcher: one ``sbatch --array=0-N%P`` and one ``scontrol`` call
per array per poll, whatever the number of tasks.
"""

from __future__ import annotations

import copy
import re
import time
import typing as tp
import uuid
from datetime import datetime
from pathlib import Path

from submitit.core import utils
from submitit.core.core import InfoWatcher, Job
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
    "EndTime",
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


def _task_ids(spec: str) -> list[str]:
    """``ArrayTaskId`` values: ``4``, or a pending record's ``2-5,7%2`` -> 2, 3, 4, 5, 7."""
    ids: list[str] = []
    for part in spec.split("%")[0].split(","):
        if re.fullmatch(r"\d+-\d+", part):
            low, high = (int(x) for x in part.split("-"))
            ids += [str(i) for i in range(low, high + 1)]
        elif part.isdigit():
            ids.append(part)
    return ids


def parse_scontrol_jobs(text: str) -> dict[str, dict[str, str]]:
    """Each job of ``scontrol show job --oneliner`` output, by id: ``123`` for a plain job,
    ``123_4`` for task 4 of array 123 (the one pending record of an array's waiting tasks
    stands for each of them)."""
    jobs: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        if "JobState=" not in line:
            continue
        info = parse_scontrol(line)
        array = re.search(r"(?:^|\s)ArrayJobId=(\d+)", line)
        tasks = re.search(r"(?:^|\s)ArrayTaskId=(\S+)", line)
        if array and tasks:
            for task in _task_ids(tasks.group(1)):
                jobs[f"{array.group(1)}_{task}"] = info
        elif match := re.search(r"(?:^|\s)JobId=(\d+)", line):
            jobs[match.group(1)] = info
    return jobs


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

    def jobs_info(self, job_id: str) -> dict[str, dict[str, str]]:
        """Every job under ``job_id`` (a plain job, or all tasks of an array) in one call:
        ``{}`` when SLURM did not answer, ``{job_id: {"State": PURGED}}`` when it forgot it."""
        proc = self.runner.run(["scontrol", "show", "job", "--oneliner", job_id], timeout=60)
        if proc.returncode == 0 and "JobState=" in proc.stdout:
            return parse_scontrol_jobs(proc.stdout)
        if "Invalid job id" not in proc.stdout + proc.stderr:
            return {}
        proc = self.runner.run(
            ["sacct", "-j", job_id, "-X", "-n", "-P", "-o", "JobID,State,ExitCode,NodeList"],
            timeout=60,
        )
        jobs: dict[str, dict[str, str]] = {}
        for line in proc.stdout.splitlines() if proc.returncode == 0 else []:
            jid, state, exit_code, nodes = [*line.split("|"), "", "", ""][:4]
            state = state.split()[0] if state else "UNKNOWN"
            jobs[jid] = {"State": state, "ExitCode": exit_code, "NodeList": nodes}
        return jobs or {job_id: {"State": GONE}}

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
        waiting = self._registered - self._finished
        for main in sorted({job_id.split("_")[0] for job_id in waiting}):
            jobs = self.cli.jobs_info(main)  # a whole array in one call
            for job_id in waiting:
                if job_id.split("_")[0] != main:
                    continue
                if job_id in jobs:
                    self._info_dict[job_id] = jobs[job_id]
                elif jobs.get(main, {}).get("State") == GONE:
                    self._info_dict[job_id] = {"State": GONE}
        self._last_status_check = time.time()
        for job_id in self._registered - self._finished:
            if self.is_done(job_id, mode="cache"):
                self._finished.add(job_id)

    def get_state(self, job_id: str, mode: str = "standard") -> str:
        return self.get_info(job_id, mode=mode).get("State") or "UNKNOWN"

    def forget(self, job_id: str) -> None:
        """Stop following ``job_id`` (an array's own id: its tasks are followed instead)."""
        self._registered.discard(job_id)

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

    def _internal_process_submissions(
        self, delayed_submissions: list[utils.DelayedSubmission]
    ) -> list[Job[tp.Any]]:
        # submitit submits an array through a fresh plain SlurmExecutor: local sbatch, its
        # sacct watcher, none of the lines above. Arrays stay with this executor.
        if len(delayed_submissions) == 1:
            return super()._internal_process_submissions(delayed_submissions)
        return self._submit_array(delayed_submissions)

    def submit_array_of(
        self, fn: tp.Callable[..., tp.Any], args: tp.Sequence[tp.Sequence[tp.Any]]
    ) -> list[Job[tp.Any]]:
        """``fn(*a)`` for each ``a`` as one job array, even of one task (``--array=0-0%1``),
        so every task has an ``<array>_<index>`` id and ``SLURM_ARRAY_TASK_ID``."""
        if not args:
            return []
        return self._submit_array([utils.DelayedSubmission(fn, *a) for a in args])

    def _submit_array(self, delayed: list[utils.DelayedSubmission]) -> list[Job[tp.Any]]:
        """submitit's own array submission (``SlurmExecutor._internal_process_submissions``),
        with this executor's runner, #SBATCH lines and job class."""
        folder = utils.JobPaths.get_first_id_independent_folder(self.folder)
        folder.mkdir(parents=True, exist_ok=True)
        timeout_min = self.parameters.get("time", 5)
        pickles = []
        for d in delayed:
            path = folder / f"{uuid.uuid4().hex}.pkl"
            d.set_timeout(timeout_min, self.max_num_timeout)
            d.dump(path)
            pickles.append(path)
        array_ex = copy.copy(self)
        array_ex.parameters = {**self.parameters, "map_count": len(delayed)}
        self._throttle()
        first = array_ex._submit_command(self._submitit_command_str)
        if isinstance(first.watcher, ScontrolWatcher):
            first.watcher.forget(first.job_id)
        tasks = list(range(first.num_tasks))
        jobs: list[Job[tp.Any]] = [
            self.job_class(folder=self.folder, job_id=f"{first.job_id}_{i}", tasks=tasks)
            for i in range(len(delayed))
        ]
        for job, path in zip(jobs, pickles, strict=True):
            job.paths.move_temporary_file(path, "submitted_pickle")
        return jobs

    def _make_submission_file_text(self, command: str, uid: str) -> str:
        text = super()._make_submission_file_text(command, uid)
        if not self.sbatch_lines:
            return text
        lines = text.split("\n")
        last = max(i for i, line in enumerate(lines) if line.startswith("#SBATCH"))
        return "\n".join([*lines[: last + 1], *self.sbatch_lines, *lines[last + 1 :]])
