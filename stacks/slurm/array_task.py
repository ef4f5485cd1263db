"""What one array task runs around its function: where, when, and since when its Python runs.

Only the standard library: ``array.py`` pickles this module by value (as ``job.py``), so a
task imports the function it wraps (``hawkeye.landmarks.batch.landmark_shard``) and nothing
of ``stacks`` or ZenML, whose import would cost every task seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable
from typing import Any

MARK = "[zenml-slurm-array]"


def process_start() -> float | None:
    """When this process started, in epoch seconds, to the clock tick (Linux; None elsewhere).

    ``/proc/self/stat`` gives the start in ticks since boot; its age against the boot clock,
    taken from now, avoids ``btime``'s whole seconds.
    """
    try:
        with open("/proc/self/stat") as fh:
            ticks = int(fh.read().rsplit(")", 1)[1].split()[19])  # field 22: starttime
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
        return time.time() - age
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class Terminated(SystemExit):
    """SIGTERM (scancel, preemption): the task stops now."""


def _terminate(signum: int, frame: object) -> None:
    print(f"{MARK} {signal.Signals(signum).name}: stopping the task", flush=True)
    raise Terminated(128 + signum)


class TimedCall:
    """``fn(*args)`` in an array task; returns ``{"result": ..., "task": {...}}``.

    submitit ignores SIGTERM (it waits for its own time-limit signal), so a cancelled task
    would run on until SLURM's SIGKILL, ``KillWait`` seconds later. Array tasks keep their
    progress in what ``fn`` wrote (the landmark cache), so this one stops at SIGTERM: its
    slot frees at once and its piece is retried.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __call__(self, *args: Any) -> dict[str, Any]:
        started = time.time()
        cpu = os.times()
        env = os.environ
        task = {
            "host": socket.gethostname(),
            "job_id": env.get("SLURM_JOB_ID"),
            "array_job_id": env.get("SLURM_ARRAY_JOB_ID"),
            "array_task_id": env.get("SLURM_ARRAY_TASK_ID"),
            "restart_count": int(env.get("SLURM_RESTART_COUNT", "0") or 0),
            "process_start": process_start(),
            "started": started,
            # CPU seconds (user + system, all threads) before the function: interpreter,
            # submitit, unpickling and the imports that brings.
            "startup_cpu_s": round(cpu.user + cpu.system, 3),
        }
        signal.signal(signal.SIGTERM, _terminate)
        name = f"{task['array_job_id']}_{task['array_task_id']}"
        print(f"{MARK} task {name} on {task['host']}: {getattr(self.fn, '__name__', self.fn)}")
        result = self.fn(*args)
        task["finished"] = time.time()
        cpu = os.times()
        task["cpu_s"] = round(cpu.user + cpu.system, 3)  # the whole task process
        print(f"{MARK} task {name} finished in {task['finished'] - started:.1f} s", flush=True)
        return {"result": result, "task": task}
