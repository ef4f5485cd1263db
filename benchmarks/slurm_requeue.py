"""A train step stopped by SLURM's time limit, requeued, resumed from its finished folds.

On the single-node cluster of ``scripts/slurm_up.sh``: a fresh project (``hawkeye init``)
runs the demo dataset's pipeline with its LSTM for a fixed number of epochs, sized to take
longer than one attempt (``--epochs``): first entirely here (the reference, no time
limit), then with ``train`` as a SLURM job under a ``--limit-min`` limit
(``signal_delay_s`` 15: SLURM warns 15 to 45 s before the limit; up to ``max_requeues``
requeues). Each attempt also spends its first 15-30 s starting the step (imports, ZenML),
so a 1-minute limit leaves an attempt too little time to finish a fold here.

Each attempt that SLURM stops leaves its finished folds, and the running fold's last epoch,
in the job's checkpoint folder; the next attempt reads the folds back
(``train.resumed_folds``), resumes the fold at its epoch and trains only the rest.
Reported: the reference's train time, the SLURM run's attempts, which were stopped, the
folds the last attempt read back, the requeue count MLflow logged, the ``#SBATCH`` lines,
and whether the out-of-fold figures equal the reference's.

Writes reports/benchmarks/slurm_requeue.{json,md}. Usage:
    python benchmarks/slurm_requeue.py [--epochs 200] [--requeues 4] [--limit-min 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "benchmarks"
BIN = Path(sys.executable).parent

LAST_RUN = """
import json
from zenml.client import Client
run = Client().list_pipeline_runs(sort_by="desc:created", size=1).items[0]
train = run.steps["train"]
print(json.dumps({"status": run.status.value,
                  "metadata": {k: v for k, v in train.run_metadata.items()}}, default=str))
"""


def _env(project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENML_", "MLFLOW_"))}
    return env | {
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "HAWKEYE_HOME": str(project / ".hawkeye"),
        "ZENML_CONFIG_PATH": str(project / ".hawkeye" / "zenml-config"),
        "ZENML_ANALYTICS_OPT_IN": "false",
        "OMP_NUM_THREADS": "1",
    }


def _run(
    cmd: list[str], project: Path, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        sys.exit(f"{shlex.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc


def _config(project: Path, name: str, epochs: int, slurm: dict | None) -> None:
    # The demo's LSTM (configs/demo_sequence.yaml) for a fixed number of epochs: no early
    # stop, so the reference and the resumed run train exactly the same epochs.
    params = {"max_epochs": epochs, "patience": epochs}  # one thread: OMP_NUM_THREADS
    config: dict = {
        "run_name": f"{name}-{{date}}-{{time}}",
        "enable_cache": False,
        "parameters": {
            "extends": "demo_sequence",
            "model": {"name": "lstm_attention", "params": params},
            "registry": {"model_name": f"requeue-{name}"},
        },
    }
    if slurm:
        config["steps"] = {
            "train": {
                "step_operator": "hawkeye-slurm-operator",
                "settings": {"step_operator": slurm},
            }
        }
    (project / "configs" / f"{name}.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def _mlflow(project: Path, name: str) -> dict:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{project / '.hawkeye' / 'mlflow.db'}")
    exp = client.get_experiment_by_name(f"requeue-{name}")
    runs = client.search_runs([exp.experiment_id], "attributes.status = 'FINISHED'")
    top = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    train = next(r for r in top if "train_seconds" in r.data.metrics)
    evaluated = next(r for r in top if "model_mae" in r.data.metrics)
    return {
        "train_seconds": train.data.metrics["train_seconds"],
        "slurm_requeues": train.data.metrics.get("slurm_requeues"),
        "resumed_folds": train.data.tags.get("train.resumed_folds"),
        "model_mae": evaluated.data.metrics["model_mae"],
        "train_runs": len(top),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--requeues", type=int, default=4)
    parser.add_argument("--limit-min", type=int, default=2)
    args = parser.parse_args()
    slurm = {
        "time_limit_min": args.limit_min,
        "signal_delay_s": 15,
        "max_requeues": args.requeues,
        "cpus_per_task": 1,
        "mem": "2G",
    }
    with tempfile.TemporaryDirectory(prefix="hawkeye-requeue-") as tmp:
        project = Path(tmp) / "project"
        env = _env(project)
        _run(["hawkeye", "init", str(project)], Path(tmp), env)
        _config(project, "reference", args.epochs, None)
        _config(project, "slurm", args.epochs, slurm)
        start = time.perf_counter()
        _run(["hawkeye", "run", "reference"], project, env)
        reference_wall = time.perf_counter() - start
        reference = _mlflow(project, "reference")
        _run(["hawkeye", "stack", "up", "slurm"], project, env)
        start = time.perf_counter()
        finished = _run(["hawkeye", "run", "slurm"], project, env, check=False).returncode == 0
        slurm_wall = time.perf_counter() - start
        resumed = _mlflow(project, "slurm") if finished else {"model_mae": float("nan")}
        step = json.loads(
            _run([sys.executable, "-c", LAST_RUN], project, env).stdout.strip().splitlines()[-1]
        )
        meta = step["metadata"]
        log = Path(meta["slurm_log"]).read_text(errors="replace")
        script = Path(meta["slurm_batch_script"]).read_text()
    tail = [ln for ln in log.splitlines() if ln.strip()][-40:] if not finished else []
    attempts = re.findall(r"\[zenml-slurm\] job \d+ attempt (\d+)", log)
    stopped = re.findall(r"\[zenml-slurm\] attempt (\d+) stopped at the time limit", log)
    report = {
        "command": "python benchmarks/slurm_requeue.py " + shlex.join(sys.argv[1:]),
        "cpu": f"{os.cpu_count()} cores",
        "epochs": args.epochs,
        "slurm_settings": slurm,
        "reference": {"wall_s": reference_wall, **reference},
        "slurm": {
            "wall_s": slurm_wall,
            "finished": finished,
            "train_seconds": None,
            "slurm_requeues": None,
            "resumed_folds": None,
            **resumed,
            "job_id": meta.get("slurm_job_id"),
            "state": meta.get("slurm_state"),
            "attempts": [int(a) for a in attempts],
            "stopped_at_time_limit": [int(a) for a in stopped],
        },
        "sbatch_lines": [ln for ln in script.splitlines() if ln.startswith("#SBATCH")],
        "log_tail": tail,  # why a failed run failed
        "same_figures": abs(reference["model_mae"] - resumed["model_mae"]) < 1e-9,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "slurm_requeue.json").write_text(json.dumps(report, indent=2) + "\n")
    (OUT / "slurm_requeue.md").write_text(markdown(report))
    print(markdown(report))


def markdown(r: dict) -> str:
    s, ref = r["slurm"], r["reference"]
    lines = [
        "# A train step requeued at SLURM's time limit, resumed from its finished folds",
        "",
        f"Demo dataset, the demo's LSTM for {r['epochs']} epochs (no early stop, one thread), "
        f"5 folds and a final fit; {r['cpu']}. Produced by `{r['command']}`.",
        "",
        "| run | wall s | train s (last attempt) | attempts | stopped at the limit "
        "| resumed folds (last attempt) | requeues logged | model MAE |",
        "|---|---|---|---|---|---|---|---|",
        f"| here, no limit | {ref['wall_s']:.0f} | {ref['train_seconds']:.0f} | 1 | - | - | - "
        f"| {ref['model_mae']:.4f} |",
        f"| SLURM job {s['job_id']}, {r['slurm_settings']['time_limit_min']} min limit "
        f"| {s['wall_s']:.0f} | {s['train_seconds'] or float('nan'):.0f} "
        f"| {len(s['attempts'])} | {', '.join(map(str, s['stopped_at_time_limit'])) or 'none'} "
        f"| {s['resumed_folds']} | {s['slurm_requeues']} | {s['model_mae']:.4f} |",
        "",
        f"Same out-of-fold figures as the reference: {'yes' if r['same_figures'] else 'no'}. "
        f"Final SLURM state {s['state']}"
        + ("" if s["finished"] else " (the run failed: every attempt was stopped)")
        + ". The job's batch script:",
        "",
        "```",
        *r["sbatch_lines"],
        "```",
    ]
    if r["log_tail"]:
        lines += ["", "The end of the job's log:", "", "```", *r["log_tail"], "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
