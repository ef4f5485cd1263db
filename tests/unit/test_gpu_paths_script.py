"""benchmarks/gpu_paths.py, the GPU-only checks: without CUDA it says so and exits 0 writing
nothing, and its code runs on the CPU in a dry run (no GPU is needed to keep it working)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "gpu_paths.py"


def test_without_cuda_it_exits_0_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "gpu_paths.json"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "no CUDA device here" in done.stdout
    assert not out.exists()


def test_a_cpu_dry_run_exercises_the_checks(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("gpu_paths", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "dry.json"
    argv = ["--cpu-dry-run", "--skip", "vlm_4bit,sequence_mixed", "--archs", "tcn", "--out"]
    assert script.main([*argv, str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["ok"] and report["meta"]["device"] == "cpu"
    assert report["checks"]["vlm_4bit"] == {"ok": True, "skipped": True}
    rows = report["checks"]["throughput"]["rows"]
    assert [(r["arch"], r["precision"]) for r in rows] == [
        ("tcn", "32-true"),
        ("tcn", "bf16-mixed"),
    ]
    assert all(r["ok"] and r["recordings_per_s"] > 0 for r in rows)
