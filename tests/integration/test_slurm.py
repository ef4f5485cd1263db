"""The SLURM step operator on a real single-node cluster (scripts/slurm_up.sh).

Every test runs in a copy of the project; the cluster reaches it, the venv and the ZenML /
MLflow sqlite stores through the local filesystem, which plays the shared filesystem here.
Skipped, with the reason, when SLURM is not installed and cannot be brought up.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, copy_project, isolated_env, run

pytestmark = [pytest.mark.slow, pytest.mark.slurm]

# Steps that misbehave on purpose, written into the project copy as slurm_probe.py: the job
# imports them from the source root like any other step.
PROBE = '''
"""Probe steps for tests/integration/test_slurm.py."""

import json
import os
import time
from pathlib import Path

from zenml import pipeline, step

OPERATOR = "hawkeye-slurm-operator"


def _on_slurm(**settings):
    return {"step_operator": OPERATOR, "settings": {"step_operator": settings}}


@step(enable_cache=False, **_on_slurm(time_limit_min=2))
def exit_nonzero() -> None:
    print("probe: the step is about to exit with status 3", flush=True)
    raise SystemExit(3)


# SLURM checks limits every 30 s and sends the warning when the limit, less the delay, would
# pass before its next check: with 1 min and 15 s, 15 to 45 s into each attempt.
@step(enable_cache=False, **_on_slurm(time_limit_min=1, signal_delay_s=15, max_requeues=1))
def count_forever() -> None:
    """Counts into its checkpoint and never finishes: times out, resumes, times out."""
    ckpt = Path(os.environ["ZENML_SLURM_CHECKPOINT_DIR"]) / "count.json"
    count = json.loads(ckpt.read_text())["count"] if ckpt.exists() else 0
    print(f"probe: attempt {os.environ['ZENML_SLURM_ATTEMPT']} resumes at {count}", flush=True)
    while True:
        time.sleep(0.5)
        count += 1
        tmp = ckpt.with_suffix(".tmp")
        tmp.write_text(json.dumps({"count": count}))
        tmp.replace(ckpt)


@step(enable_cache=False, **_on_slurm(time_limit_min=5))
def sleep_long() -> None:
    print("probe: sleeping", flush=True)
    time.sleep(300)


@step(enable_cache=False, **_on_slurm(time_limit_min=2))
def hello() -> str:
    print(f"probe: hello from {os.environ.get('SLURM_JOB_ID')}", flush=True)
    return os.environ.get("HAWKEYE_HOME", "")


@pipeline(enable_cache=False)
def greeting() -> None:
    hello()


@pipeline(enable_cache=False)
def failing() -> None:
    exit_nonzero()


@pipeline(enable_cache=False)
def timing_out() -> None:
    count_forever()


@pipeline(enable_cache=False)
def sleeping() -> None:
    sleep_long()
'''

LAST_RUN = """
import json
from zenml.client import Client
run = Client().list_pipeline_runs(sort_by="desc:created", size=1).items[0]
print(json.dumps({
    "status": run.status.value,
    "steps": {
        name: {
            "status": s.status.value,
            "metadata": {k: v for k, v in s.run_metadata.items()},
            "logs": s.logs.uri if s.logs else None,
        }
        for name, s in run.steps.items()
    },
}, default=str))
"""


def _node_state() -> str:
    if not (shutil.which("sinfo") and shutil.which("sbatch")):
        return "SLURM is not installed (no sinfo/sbatch)"
    proc = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    states = proc.stdout.split()
    if proc.returncode != 0 or not any(s in ("idle", "mixed", "allocated") for s in states):
        return f"no SLURM node takes jobs ({(proc.stderr or proc.stdout).strip() or 'none'})"
    return ""


@pytest.fixture(scope="session")
def slurm_cluster() -> None:
    """A cluster that takes jobs: the running one, or one started by scripts/slurm_up.sh."""
    pytest.importorskip("submitit", reason="submitit is not installed (pip install -e '.[hpc]')")
    problem = _node_state()
    if problem and os.geteuid() == 0 and shutil.which("apt-get"):
        proc = subprocess.run(
            ["bash", str(ROOT / "scripts" / "slurm_up.sh")],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if proc.returncode != 0:
            pytest.skip(f"{problem}; scripts/slurm_up.sh failed: {proc.stderr.strip()[-800:]}")
        problem = _node_state()
    if problem:
        pytest.skip(f"{problem}; start one with `sudo bash scripts/slurm_up.sh`")


@pytest.fixture(scope="module")
def slurm_project(tmp_path_factory: pytest.TempPathFactory, slurm_cluster: None):
    """The project copy with the slurm stack up and the probe steps; its jobs end with it.

    One a test module (copying the project and bringing the stack up took 20-25 s a test):
    each test runs pipelines of its own and reads back its own last run. The ssh test,
    which turns the operator to ssh mode, comes last in this file.
    """
    project = copy_project(tmp_path_factory.mktemp("slurm") / "project")
    env = isolated_env(project)
    (project / "slurm_probe.py").write_text(PROBE)
    run(["hawkeye", "stack", "up", "slurm"], project, env)
    yield project, env
    out = subprocess.run(["squeue", "-h", "-o", "%i %Z"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        job_id, _, workdir = line.partition(" ")
        if workdir.startswith(str(project)):
            subprocess.run(["scancel", job_id], check=False)


def _last_run(project: Path, env: dict[str, str]) -> dict:
    out = run([sys.executable, "-c", LAST_RUN], project, env).stdout
    return json.loads(out.strip().splitlines()[-1])


def _scontrol(job_id: str) -> str:
    return subprocess.run(
        ["scontrol", "show", "job", "--oneliner", job_id], capture_output=True, text=True
    ).stdout


def _run_probe(project: Path, env: dict[str, str], name: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", f"import slurm_probe; slurm_probe.{name}()"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _failure(proc: subprocess.CompletedProcess, step: str) -> str:
    """The step launcher's error line for ``step`` and what follows it (the log tail)."""
    assert proc.returncode != 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    output = proc.stdout + proc.stderr
    marker = f"Failed to run step `{step}`: "
    assert marker in output, output[-4000:]
    return output[output.index(marker) + len(marker) :]


def test_train_step_runs_as_a_slurm_job(slurm_project: tuple[Path, dict]) -> None:
    from mlflow.tracking import MlflowClient

    project, env = slurm_project
    out = run(["hawkeye", "run", "hpc"], project, env)
    status = _last_run(project, env)
    assert status["status"] == "completed"
    assert {s["status"] for s in status["steps"].values()} == {"completed"}

    train = status["steps"]["train"]["metadata"]
    job_id = train["slurm_job_id"]
    assert train["slurm_state"] == "COMPLETED" and train["slurm_exit_code"] == "0:0"
    assert f"Submitted step `train` as SLURM job {job_id}" in out.stderr + out.stdout
    # Only train went to SLURM; landmark and the rest ran in the pipeline process.
    assert not any(
        "slurm_job_id" in s["metadata"] for n, s in status["steps"].items() if n != "train"
    )

    # SLURM's own record: a batch job that ran in the project copy and completed.
    info = _scontrol(job_id)
    assert "JobState=COMPLETED" in info, info
    assert "JobName=zenml-training_pipeline-train" in info
    assert f"WorkDir={project}" in info
    script = Path(train["slurm_batch_script"]).read_text()
    assert "#SBATCH --time=10" in script and "#SBATCH --mem=2G" in script
    log = Path(train["slurm_log"]).read_text()
    assert f"[zenml-slurm] job {job_id} attempt 1" in log
    assert "[zenml-slurm] step process finished" in log
    # ... streamed into the step's own log, which the ZenML dashboard and CLI show.
    step_log = Path(status["steps"]["train"]["logs"]).read_text()
    assert f"[slurm {job_id}] [zenml-slurm] step process finished" in step_log

    # The job's metrics reached MLflow: train ran there, evaluate and register here.
    client = MlflowClient(f"sqlite:///{project / '.hawkeye' / 'mlflow.db'}")
    exp = client.get_experiment_by_name("finger_tapping-synthetic")
    runs = client.search_runs([exp.experiment_id])
    (mlrun,) = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]  # not per-fold runs
    assert mlrun.data.params["model.n_estimators"] == "50"
    assert "train_seconds" in mlrun.data.metrics and "model_mae" in mlrun.data.metrics
    assert mlrun.data.metrics["model_mae"] < mlrun.data.metrics["baseline_mean_mae"]
    print(
        f"\nSLURM job {job_id}: sbatch {train['slurm_sbatch_seconds']} s, queued "
        f"{train.get('slurm_queue_seconds')} s, step process {train['slurm_step_seconds']} s, "
        f"wall {train['slurm_wall_seconds']} s, overhead {train['slurm_overhead_seconds']} s"
    )


def test_a_step_that_exits_nonzero_fails_with_the_slurm_log(
    slurm_project: tuple[Path, dict],
) -> None:
    project, env = slurm_project
    proc = _run_probe(project, env, "failing")
    error = _failure(proc, "exit_nonzero")
    headline = error.splitlines()[0]
    assert re.match(r"SLURM job \d+ failed \(FAILED, exit code 1:0\)", headline), headline
    assert "step process exited with status 3" in headline
    assert "--- last 40 lines of" in error
    assert "probe: the step is about to exit with status 3" in error  # the job's own output

    status = _last_run(project, env)
    assert status["status"] == "failed"
    step = status["steps"]["exit_nonzero"]
    assert step["status"] == "failed"
    assert step["metadata"]["slurm_state"] == "FAILED"
    assert "JobState=FAILED" in _scontrol(step["metadata"]["slurm_job_id"])


def test_time_limit_requeues_resumes_then_fails_cleanly(
    slurm_project: tuple[Path, dict],
) -> None:
    """1 min limit, 1 requeue: attempt 1 is stopped, attempt 2 resumes its count, then fails."""
    project, env = slurm_project
    start = time.monotonic()
    proc = _run_probe(project, env, "timing_out")
    error = _failure(proc, "count_forever")
    assert re.match(
        r"SLURM job \d+ reached its time limit \(1 min\) after 1 requeue\(s\) of 1 allowed",
        error.splitlines()[0],
    ), error.splitlines()[0]

    status = _last_run(project, env)
    step = status["steps"]["count_forever"]
    assert status["status"] == "failed" and step["status"] == "failed"
    meta = step["metadata"]
    assert meta["slurm_restarts"] == 1
    log = Path(meta["slurm_log"]).read_text()
    assert "probe: attempt 1 resumes at 0" in log
    resumed = re.search(r"probe: attempt 2 resumes at (\d+)", log)
    assert resumed and int(resumed.group(1)) > 0, log[-3000:]  # from attempt 1's checkpoint
    assert "Requeued job" in log and "timed-out too many times" in log
    assert "probe: attempt 3" not in log
    checkpoint = Path(meta["slurm_log"]).parent / "checkpoint" / "count.json"
    assert json.loads(checkpoint.read_text())["count"] > int(resumed.group(1))
    assert "Restarts=1" in _scontrol(meta["slurm_job_id"])
    print(f"\ntime-out, requeue, resume, time-out: {time.monotonic() - start:.0f} s")


def test_interrupting_the_pipeline_cancels_the_job(slurm_project: tuple[Path, dict]) -> None:
    project, env = slurm_project
    proc = subprocess.Popen(
        [sys.executable, "-c", "import slurm_probe; slurm_probe.sleeping()"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    job_id, seen = None, []
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line)
        found = re.search(r"\[slurm (\d+)\] probe: sleeping", line)
        if found or time.monotonic() > deadline:
            job_id = found.group(1) if found else None
            break
    assert job_id, "".join(seen)[-3000:]
    assert "JobState=RUNNING" in _scontrol(job_id)
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert f"Cancelling SLURM job {job_id} (scancel)" in rest
    for _ in range(20):
        if "JobState=CANCELLED" in _scontrol(job_id):
            break
        time.sleep(0.5)
    assert "JobState=CANCELLED" in _scontrol(job_id)


@pytest.fixture
def sshd_on_localhost(tmp_path: Path):
    """An sshd on 127.0.0.1 that lets root in with a key made here; its ssh options."""
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if os.geteuid() != 0 or not Path(sshd).exists():
        pytest.skip("needs root and openssh-server (apt-get install openssh-server)")
    keys = tmp_path / "ssh"
    keys.mkdir()
    for name in ("host_key", "id_ed25519"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True
        )
    (keys / "authorized_keys").write_text((keys / "id_ed25519.pub").read_text())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (keys / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host_key'}\n"
        f"PidFile {keys / 'sshd.pid'}\nAuthorizedKeysFile {keys / 'authorized_keys'}\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)
    log = (keys / "sshd.log").open("w")
    daemon = subprocess.Popen([sshd, "-D", "-e", "-f", str(keys / "sshd_config")], stderr=log)
    options = {
        "ssh_host": "127.0.0.1",
        "ssh_user": "root",
        "ssh_port": port,
        "ssh_identity_file": str(keys / "id_ed25519"),
        "ssh_options": ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null"],
    }
    try:
        for _ in range(50):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield options, keys / "sshd.log"
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)
        log.close()


SSH_MODE = """
import json, sys
from zenml.client import Client
from zenml.enums import StackComponentType
config = json.loads(sys.argv[1])
Client().update_stack_component(
    "hawkeye-slurm-operator", StackComponentType.STEP_OPERATOR, configuration=config
)
"""


def test_ssh_mode_submits_polls_and_reads_through_a_login_node(
    slurm_project: tuple[Path, dict], sshd_on_localhost: tuple[dict, Path]
) -> None:
    """sbatch/scontrol over ssh to 127.0.0.1; locally they are decoys that always fail."""
    project, env = slurm_project
    options, sshd_log = sshd_on_localhost
    run([sys.executable, "-c", SSH_MODE, json.dumps(options)], project, env)
    decoys = project / "decoys"
    decoys.mkdir()
    for tool in ("sbatch", "scontrol", "squeue", "sinfo", "scancel", "sacct", "srun"):
        (decoys / tool).write_text("#!/bin/sh\necho not here >&2\nexit 97\n")
        (decoys / tool).chmod(0o755)
    env = env | {"PATH": f"{decoys}{os.pathsep}{env['PATH']}"}
    proc = _run_probe(project, env, "greeting")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    meta = _last_run(project, env)["steps"]["hello"]["metadata"]
    assert meta["slurm_submitted_via"] == f"ssh root@127.0.0.1:{options['ssh_port']}"
    assert meta["slurm_state"] == "COMPLETED"
    job_id = meta["slurm_job_id"]
    assert f"probe: hello from {job_id}" in Path(meta["slurm_log"]).read_text()
    assert "Accepted publickey for root" in sshd_log.read_text()
