"""SLURM job arrays for work that splits into independent pieces, with retries of the failed ones.

:class:`SlurmArray` runs ``fn(*args)`` for each argument tuple as one task of one
``sbatch --array=0-<n-1>%<max_parallel>`` (submitit renders and submits it, through the
runner and job watcher of ``cluster.py``), waits for every task, and resubmits the tasks
that did not complete (killed, cancelled, timed out, failed on the node) as a new, smaller
array, up to ``retries`` times. The ``%`` limit is SLURM's own: at most ``max_parallel``
tasks of an array run at once, the rest wait in the queue. The work itself must make a
rerun cheap: the landmark shards (``steps/landmark.py``) write each video into the shared
cache as it finishes, so a rerun skips what its killed attempt had done.

What a task ran and how it went comes back per task (:class:`TaskRecord`: its task ids,
SLURM states, host, queue and start-up seconds per attempt) and per submission
(:class:`Submission`: the ``#SBATCH`` lines and the ``srun`` line of its batch script).
Nothing here knows what the tasks compute.
"""

from __future__ import annotations

import os
import time
import typing as tp
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stacks.slurm.cluster import RunnerSlurmExecutor, SlurmCLI, queue_seconds
from stacks.slurm.flavor import sbatch_flags
from stacks.slurm.runner import make_runner

MARK = "[zenml-slurm-array]"


class ArraySettings(BaseModel):
    """How work is cut into array tasks and what each task asks of SLURM.

    ``partition``, ``account``, ``qos``, ``setup`` and ``sbatch_options`` left unset take
    the SLURM step operator's (the site's defaults, set once on the stack component).
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = Field(
        None,
        description="None: an array when the active stack has a SLURM step operator and the "
        "step is not itself inside a SLURM job; True: always (fails without one); False: never",
    )
    shard_size: int = Field(4, ge=1, description="items (videos) per array task")
    max_parallel: int = Field(8, ge=1, description="tasks running at once: the % of --array")
    retries: int = Field(2, ge=0, description="resubmissions of tasks that did not complete")
    time_limit_min: int = Field(30, ge=1, description="--time of each task, in minutes")
    cpus_per_task: int = Field(1, ge=1, description="--cpus-per-task")
    mem: str | None = Field("2G", description="--mem of each task")
    partition: str | None = Field(None, description="--partition")
    account: str | None = Field(None, description="--account")
    qos: str | None = Field(None, description="--qos")
    gres: str | None = Field(None, description="--gres, e.g. gpu:1")
    gpus_per_node: int | None = Field(None, ge=0, description="--gpus-per-node")
    sbatch_options: list[str] = Field(default_factory=list, description="extra #SBATCH lines")
    setup: list[str] = Field(default_factory=list, description="shell lines before the task")
    job_name: str = Field("hawkeye-array", description="--job-name")
    use_srun: bool = Field(True, description="run each task as a job step (srun)")
    poll_interval_s: float = Field(2.0, gt=0, description="seconds between state polls")

    @field_validator("sbatch_options")
    @classmethod
    def _options_are_flags(cls, value: list[str]) -> list[str]:
        return sbatch_flags(value)

    def with_site_defaults(self, operator: object) -> ArraySettings:
        """These settings, with what they leave unset taken from a step operator's config."""
        update: dict[str, tp.Any] = {}
        for key in ("partition", "account", "qos"):
            if getattr(self, key) is None and getattr(operator, key, None) is not None:
                update[key] = getattr(operator, key)
        for key in ("setup", "sbatch_options"):
            if not getattr(self, key) and getattr(operator, key, None):
                update[key] = list(getattr(operator, key))
        return self.model_copy(update=update)


@dataclass
class Attempt:
    """One run of one task."""

    task_id: str  # <array job id>_<index>
    state: str  # SLURM's, e.g. COMPLETED, CANCELLED, TIMEOUT, FAILED
    ok: bool  # the function returned
    host: str = ""
    queue_s: float | None = None  # SLURM: submission to start (1 s steps)
    launch_s: float | None = None  # sbatch to the task's Python start (slot waits included)
    startup_s: float | None = None  # the task's Python start to the function's start
    node_s: float | None = None  # the task's Python start to the function's end
    error: str = ""


@dataclass
class TaskRecord:
    """One piece of work across its attempts; ``result`` is the function's return value."""

    index: int
    attempts: list[Attempt] = field(default_factory=list)
    result: tp.Any = None
    task: dict[str, tp.Any] = field(default_factory=dict)  # the last good attempt's timings

    @property
    def ok(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].ok


@dataclass
class Submission:
    """One ``sbatch`` of an array: which pieces, and the batch script's lines."""

    array_job_id: str
    indices: list[int]
    script: str
    sbatch_lines: list[str]
    command: str  # the srun (or python) line of the script
    submitted: float  # epoch seconds, before sbatch
    sbatch_seconds: float
    gathered: float = 0.0  # epoch seconds, when the last task's outcome was read

    @property
    def array(self) -> str:
        return next((ln.split("=", 1)[1] for ln in self.sbatch_lines if "--array=" in ln), "")


def script_lines(path: Path) -> tuple[list[str], str]:
    """The ``#SBATCH`` lines and the command line of a batch script submitit wrote."""
    lines = path.read_text().splitlines()
    sbatch = [ln for ln in lines if ln.startswith("#SBATCH")]
    command = next((ln for ln in lines if ln.startswith(("srun ", "python", "/"))), "")
    return sbatch, command


def _signal_delay(time_limit_min: int) -> int:
    # As warning_delay() in step_operator.py: within the second half of the task's time.
    return max(1, min(90, (time_limit_min * 60 - 30) // 2))


class SlurmArray:
    """Submits, follows and retries job arrays in ``folder`` (on the shared filesystem)."""

    def __init__(
        self,
        settings: ArraySettings,
        cli: SlurmCLI,
        folder: str | Path,
        python: str | None = None,
        working_dir: str | None = None,
        log: tp.Callable[[str], None] = print,
    ) -> None:
        self.settings = settings
        self.cli = cli
        self.folder = Path(folder).expanduser().resolve()
        self.python = python
        self.working_dir = working_dir or os.getcwd()
        self.log = log
        self.submissions: list[Submission] = []

    @classmethod
    def for_operator(
        cls,
        settings: ArraySettings,
        operator: object,
        folder: str | Path,
        log: tp.Callable[[str], None] = print,
    ) -> SlurmArray:
        """An array on the cluster of a SLURM step operator's config (its ssh login node,
        interpreter and site defaults)."""
        return cls(
            settings.with_site_defaults(operator),
            SlurmCLI(make_runner(operator)),
            folder,
            python=getattr(operator, "python", None),
            log=log,
        )

    def _executor(self) -> RunnerSlurmExecutor:
        s = self.settings
        executor = RunnerSlurmExecutor(
            self.folder,
            self.cli,
            max_num_timeout=0,  # a timed-out task is retried by run(), not requeued
            python=self.python,
            sbatch_lines=s.sbatch_options,
            state_delay_s=max(1, int(s.poll_interval_s)),
        )
        parameters: dict[str, tp.Any] = {
            "job_name": s.job_name,
            "time": s.time_limit_min,
            "signal_delay_s": _signal_delay(s.time_limit_min),
            "cpus_per_task": s.cpus_per_task,
            "array_parallelism": s.max_parallel,
            "stderr_to_stdout": True,
            "use_srun": s.use_srun,
            "setup": list(s.setup),
            "additional_parameters": {"chdir": self.working_dir},
        }
        for key in ("mem", "partition", "account", "qos", "gres", "gpus_per_node"):
            if getattr(s, key) is not None:
                parameters[key] = getattr(s, key)
        executor.update_parameters(**parameters)
        return executor

    def run(
        self, fn: tp.Callable[..., tp.Any], args: tp.Sequence[tp.Sequence[tp.Any]]
    ) -> list[TaskRecord]:
        """``fn(*a)`` for each ``a``, as array tasks; every record, completed or given up."""
        import cloudpickle

        import stacks.slurm.array_task as task_module
        from stacks.slurm.array_task import TimedCall

        problem = self.cli.ping()
        if problem:
            raise RuntimeError(f"SLURM is not reachable ({self.cli.runner.describe()}): {problem}")
        cloudpickle.register_pickle_by_value(task_module)  # tasks need not import stacks
        self.folder.mkdir(parents=True, exist_ok=True)
        records = [TaskRecord(i) for i in range(len(args))]
        pending = list(range(len(args)))
        for round_ in range(self.settings.retries + 1):
            if not pending:
                break
            jobs, submission = self._submit(TimedCall(fn), [args[i] for i in pending], pending)
            what = "array" if round_ == 0 else f"retry {round_} of"
            self.log(
                f"{MARK} {what} {len(pending)} task(s) as SLURM job array "
                f"{submission.array_job_id} (--array={submission.array}); "
                f"script {submission.script}"
            )
            self._wait(jobs, submission)
            failed = []
            for index, job in zip(pending, jobs, strict=True):
                attempt, outcome = self._attempt(job, submission)
                records[index].attempts.append(attempt)
                if attempt.ok:
                    records[index].result = outcome["result"]
                    records[index].task = outcome["task"]
                else:
                    failed.append(index)
                    self.log(
                        f"{MARK} task {attempt.task_id} (piece {index}) ended {attempt.state}"
                        f"{': ' + attempt.error if attempt.error else ''}"
                    )
            pending = failed
        return records

    def _submit(
        self, call: tp.Callable[..., tp.Any], args: list[tp.Sequence[tp.Any]], indices: list[int]
    ) -> tuple[list[tp.Any], Submission]:
        executor = self._executor()
        submitted = time.time()
        jobs = executor.submit_array_of(call, args)
        sbatch_seconds = time.time() - submitted
        array_job_id = jobs[0].job_id.split("_")[0]
        script = self.folder / f"{array_job_id}_submission.sh"
        lines, command = script_lines(script)
        submission = Submission(
            array_job_id, list(indices), str(script), lines, command, submitted, sbatch_seconds
        )
        self.submissions.append(submission)
        return jobs, submission

    def _wait(self, jobs: list[tp.Any], submission: Submission) -> None:
        try:
            while not all(job.done() for job in jobs):
                time.sleep(self.settings.poll_interval_s)
        except BaseException:
            # Ctrl-C, SIGTERM or a stopped run: the array must not outlive the step.
            self.log(f"{MARK} cancelling SLURM job array {submission.array_job_id} (scancel)")
            self.cli.cancel(submission.array_job_id)
            raise
        submission.gathered = time.time()

    def _attempt(self, job: tp.Any, submission: Submission) -> tuple[Attempt, dict[str, tp.Any]]:
        # done() saw the result file or a final SLURM state; a task that returned may still
        # be RUNNING/COMPLETING by SLURM's last word, which is then a completion.
        info = job.watcher.get_info(job.job_id, mode="cache")
        state = info.get("State", "UNKNOWN")
        attempt = Attempt(job.job_id, state, False, info.get("NodeList", ""))
        attempt.queue_s = queue_seconds(info)
        outcome: dict[str, tp.Any] = {}
        if job.paths.result_pickle.exists():
            try:
                kind, value = job._get_outcome_and_result()
            except Exception as exc:  # an unreadable result is a failed attempt
                kind, value = "error", f"cannot read {job.paths.result_pickle}: {exc}"
            if kind == "success":
                outcome = value
                attempt.ok = True
                attempt.state = "COMPLETED" if state in ("RUNNING", "COMPLETING") else state
                task = value["task"]
                attempt.host = task.get("host") or attempt.host
                if task.get("process_start"):
                    attempt.launch_s = round(task["process_start"] - submission.submitted, 3)
                    attempt.startup_s = round(task["started"] - task["process_start"], 3)
                    attempt.node_s = round(task["finished"] - task["process_start"], 3)
            else:
                lines = [ln for ln in str(value).strip().splitlines() if ln.strip()]
                attempt.error = lines[-1].strip() if lines else "failed"
        else:
            attempt.error = f"no result (log: {job.paths.stdout})"
        return attempt, outcome

    def describe(self) -> list[dict[str, tp.Any]]:
        """Each submission as plain data: array id, pieces, --array, #SBATCH and srun lines."""
        out = []
        for s in self.submissions:
            row = asdict(s)
            row["array"] = s.array
            row["submitted_at"] = datetime.fromtimestamp(s.submitted).isoformat(timespec="seconds")
            out.append(row)
        return out
