"""What runs inside the SLURM job: ZenML's step entrypoint as a child process.

submitit pickles a :class:`StepCommand`, and ``python -m submitit.core._submit`` runs it on
the node. When SLURM warns that the time limit is near (``--signal=USR2@<delay>``),
submitit calls :meth:`StepCommand.checkpoint`: the step gets SIGTERM (then SIGKILL after a
grace period) and, while requeues are left, the job is requeued with the same id. The next
attempt runs the step again with the same ``$ZENML_SLURM_CHECKPOINT_DIR``, where a step that
saves its progress finds it (``$ZENML_SLURM_ATTEMPT`` counts the attempts from 1).

This module only needs the standard library and submitit on the node: it is pickled by
value, so the job does not import ``stacks``.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from submitit.helpers import Checkpointable, DelayedSubmission

from stacks.slurm.environment import ATTEMPT_ENV, CHECKPOINT_ENV

MARK = "[zenml-slurm]"


class StepCommandFailed(RuntimeError):
    """The step's process ended with a non-zero status."""


def _ignore_usr2() -> None:
    # SLURM signals every process of the job step; only submitit's handler (in the parent)
    # should act on the time-limit warning. The step gets a plain SIGTERM from checkpoint().
    signal.signal(signal.SIGUSR2, signal.SIG_IGN)


class StepCommand(Checkpointable):
    def __init__(
        self,
        command: list[str],
        environment: dict[str, str],
        working_dir: str,
        checkpoint_dir: str,
        stop_grace_s: float = 10.0,
    ) -> None:
        self.command = list(command)
        self.environment = dict(environment)
        self.working_dir = working_dir
        self.checkpoint_dir = checkpoint_dir
        self.stop_grace_s = stop_grace_s
        self.attempt = 0
        self._proc: subprocess.Popen | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_proc"] = None
        return state

    def _argv(self) -> list[str]:
        argv = list(self.command)
        if argv and argv[0] in ("python", "python3"):
            argv[0] = sys.executable  # the interpreter submitit runs: the pipeline's own
        return argv

    def __call__(self) -> dict[str, Any]:
        self.attempt += 1
        os.makedirs(self.checkpoint_dir, exist_ok=True)
        env = {**os.environ, **self.environment}
        env |= {
            CHECKPOINT_ENV: self.checkpoint_dir,
            ATTEMPT_ENV: str(self.attempt),
            "PYTHONUNBUFFERED": "1",
        }
        argv = self._argv()
        job_id = os.environ.get("SLURM_JOB_ID", "?")
        print(
            f"{MARK} job {job_id} attempt {self.attempt} on {socket.gethostname()} "
            f"in {self.working_dir}: {shlex.join(argv)}",
            flush=True,
        )
        start = time.monotonic()
        self._proc = subprocess.Popen(
            argv,
            cwd=self.working_dir,
            env=env,
            preexec_fn=_ignore_usr2,
            start_new_session=True,  # its own process group: stop() reaches its workers too
        )
        returncode = self._proc.wait()
        seconds = time.monotonic() - start
        self._proc = None
        if returncode != 0:
            how = (
                f"was killed by {signal.Signals(-returncode).name}"
                if returncode < 0
                else f"exited with status {returncode}"
            )
            print(f"{MARK} step process {how} after {seconds:.1f} s", flush=True)
            raise StepCommandFailed(f"step process {how} (attempt {self.attempt})")
        print(f"{MARK} step process finished in {seconds:.1f} s", flush=True)
        return {
            "returncode": returncode,
            "seconds": round(seconds, 3),
            "attempt": self.attempt,
            "host": socket.gethostname(),
        }

    def stop(self) -> None:
        """SIGTERM to the step's process group, SIGKILL after the grace period.

        This runs in a signal handler that interrupted ``Popen.wait`` in ``__call__``, which
        holds the Popen's wait lock: reap the child with ``os.waitpid`` directly.
        """
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        print(f"{MARK} stopping the step process (pid {proc.pid})", flush=True)
        for sig, grace in ((signal.SIGTERM, self.stop_grace_s), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                try:
                    pid, _ = os.waitpid(proc.pid, os.WNOHANG)
                except ChildProcessError:
                    return
                if pid:
                    return
                time.sleep(0.1)

    def checkpoint(self, *args: Any, **kwargs: Any) -> DelayedSubmission:
        """Called by submitit on the time-limit (or preemption) signal, before any requeue."""
        self.stop()
        print(
            f"{MARK} attempt {self.attempt} stopped at the time limit; state kept in "
            f"{self.checkpoint_dir}",
            flush=True,
        )
        return DelayedSubmission(self, *args, **kwargs)
