"""The paths only a CUDA GPU runs, checked and timed in one short script (issue 13, item 6).

The CPU test suite covers everything else and stays as it is; these need a GPU:

- ``vlm_4bit``: the local VLM scorer's 4-bit NF4 path (bitsandbytes, bf16 compute) on a
  tiny random LLaVA built from a config (``tests/tiny_vlm.py``, its head zeroed so every
  answer is the digit it forces), beside the same model unquantised in bf16: the load
  plan, how many layers bitsandbytes replaced, the memory footprint, answers and statuses.
- ``sequence_mixed``: sequence nets trained on the learnable synthetic recordings of
  ``tests/sequence_synthetic.py`` with the precision the device picks by itself (bf16-mixed
  where the card has bf16), with ``gpu_precision: 16-mixed`` (what an environment
  profile sets) and with ``precision: 32-true``: each must stay finite and learn the
  score (correlation > 0.7 on its training recordings, as the CPU test asks).
- ``throughput``: the same nets, data and epochs in 32-true, bf16-mixed and 16-mixed on
  larger recordings (MediaPipe pose, 33 joints x 6 channels, ``--frames`` frames), after a
  warm-up fit; training recordings a second (``fit_info_``, the trainer's loop alone) and
  each mixed mode's speed-up over 32 bit. TF32 stays at torch's defaults (recorded).

Writes ``--out`` (default reports/benchmarks/gpu_paths.json) and prints it; exits 1 when a
check failed (its error is in the JSON), 0 otherwise. Without CUDA it says so and exits 0,
writing nothing. ``--cpu-dry-run`` runs the same code on the CPU at toy sizes (no 4-bit;
bf16 autocast for the mixed modes) to check the script itself; it writes only an explicit
``--out``.

On a lent device (python3 there holds torch, Lightning and transformers, not the rest),
carry wheels for what it lacks and put src/ on the path; from the repository root here::

    echo /.whl/ >> .git/info/exclude
    python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \\
        --implementation cp --platform manylinux_2_24_x86_64 --platform manylinux_2_17_x86_64 \\
        --platform manylinux2014_x86_64 -d .whl bitsandbytes==0.50.2 pydantic==2.11.9 \\
        pydantic-core==2.33.2 annotated-types typing-inspection

then run, carrying ``.whl`` (about 45 MiB)::

    python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl &&
    PYTHONPATH=/tmp/site:src PYTHONUNBUFFERED=1 python3 benchmarks/gpu_paths.py \\
        --out $OUT/gpu_paths.json

(about 2-4 minutes on an H200; ``--quick`` for less), then copy the JSON to
reports/benchmarks/gpu_paths.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import shlex
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "benchmarks" / "gpu_paths.json"
PRECISIONS = ("32-true", "bf16-mixed", "16-mixed")
THROUGHPUT_ARCHS = ("tcn", "transformer", "stgcn", "lstm_attention")
NET = {"hidden": 128, "layers": 2, "heads": 4, "kernel_size": 5, "levels": 4, "dropout": 0.1}


def _helper(name: str) -> ModuleType:
    """A test helper module (tests/<name>.py) loaded from its file: the tiny models and
    recordings the CPU tests use, without putting the repository on sys.path."""
    path = ROOT / "tests" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_hawkeye_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _version(pkg: str) -> str | None:
    try:
        return version(pkg)
    except PackageNotFoundError:
        return None


def environment(device: str) -> dict[str, Any]:
    import torch

    env: dict[str, Any] = {
        "device": device,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "packages": {
            p: _version(p)
            for p in ("lightning", "transformers", "bitsandbytes", "accelerate", "numpy")
        },
        "tf32_matmul": bool(torch.backends.cuda.matmul.allow_tf32),
        "tf32_cudnn": bool(torch.backends.cudnn.allow_tf32),
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
    }
    if device == "cuda":
        props = torch.cuda.get_device_properties(0)
        env |= {
            "gpu": props.name,
            "capability": f"{props.major}.{props.minor}",
            "memory_gib": round(props.total_memory / 2**30, 1),
            "bf16": bool(torch.cuda.is_bf16_supported()),
        }
    return env


def run_check(name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``fn``'s figures with ``ok``, or the error that stopped it: one failure loses no other."""
    start = time.perf_counter()
    print(f"== {name}", flush=True)
    try:
        out = fn()
        out.setdefault("ok", True)
    except Exception as exc:  # the check failed; the JSON says how
        out = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        out["traceback"] = traceback.format_exc(limit=8)
        print(out["traceback"], file=sys.stderr, flush=True)
    out["seconds"] = round(time.perf_counter() - start, 2)
    print(json.dumps({k: v for k, v in out.items() if k != "traceback"}, default=str), flush=True)
    return out


# ----------------------------------------------------------------------------- the VLM
def _videos(folder: Path, write_video: Callable[..., Path]) -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            "sample_id": ["a", "b"],
            "subject_id": ["A", "B"],
            "source": [str(write_video(folder / "a.mp4")), str(write_video(folder / "b.mp4", 5))],
            "task": "finger_tapping",
            "label": [1, 3],
        }
    )


def check_vlm(device: str, work: Path) -> dict[str, Any]:
    """The 4-bit scorer on CUDA (the bf16 one beside it); fp32 on the CPU in a dry run."""
    import torch

    from hawkeye.models.vlm.local import VLMScorer

    tiny = _helper("tiny_vlm")
    model_dir = tiny.build_tiny_llava(work / "tiny_llava", zero_head=True)
    videos = _videos(work, tiny.write_video)
    plans = [("4bit", "auto"), ("none", "bfloat16")] if device == "cuda" else [("none", "auto")]
    out: dict[str, Any] = {"model": "tiny random LLaVA (tests/tiny_vlm.py)", "runs": []}
    for quantization, dtype in plans:
        if device == "cuda":
            torch.cuda.reset_peak_memory_stats()
        scorer = VLMScorer(
            str(model_dir),
            n_frames=2,
            max_new_tokens=1,
            device=device,
            quantization=quantization,
            dtype=dtype,
        )
        start = time.perf_counter()
        details = scorer.fit(videos, videos["label"].to_numpy()).predict_details(videos)
        seconds = time.perf_counter() - start
        linear4 = 0
        if quantization == "4bit":
            import bitsandbytes as bnb

            linear4 = sum(isinstance(m, bnb.nn.Linear4bit) for m in scorer.model_.modules())
        run = {
            "quantization": quantization,
            "load": scorer.load_description_,
            "linear4bit_layers": linear4,
            "footprint_bytes": int(scorer.model_.get_memory_footprint()),
            "answers": details["answer"].tolist(),
            "statuses": details["status"].tolist(),
            "seconds_load_and_score": round(seconds, 3),
            "peak_cuda_mib": round(torch.cuda.max_memory_allocated() / 2**20, 1)
            if device == "cuda"
            else None,
        }
        run["ok"] = run["statuses"] == ["ok", "ok"] and run["answers"] == [tiny.FORCED_DIGIT] * 2
        if quantization == "4bit":
            run["ok"] = run["ok"] and linear4 > 0 and "4-bit NF4" in run["load"]
        out["runs"].append(run)
        del scorer
        if device == "cuda":
            torch.cuda.empty_cache()
    out["ok"] = all(r["ok"] for r in out["runs"])
    if device != "cuda":
        out["note"] = "dry run: 4-bit needs CUDA (bitsandbytes); fp32 path only"
    return out


# ----------------------------------------------------------------------------- sequence nets
def _fit(table: Any, arch: str, params: dict[str, Any]) -> Any:
    from hawkeye.models.sequence import SequenceModel

    return SequenceModel(arch, params=params).fit(table, table["label"].to_numpy())


def check_sequence_mixed(device: str, work: Path, quick: bool) -> dict[str, Any]:
    """The precision a run picks on this device, a profile's 16-mixed, and 32 bit: all learn."""
    synthetic = _helper("sequence_synthetic")
    table = synthetic.write_recordings(work / "learnable", n_subjects=8, per_subject=4)
    y = table["label"].to_numpy()
    base = {**NET, "hidden": 32, "batch_size": 8, "lr": 5e-3, "max_epochs": 6 if quick else 12,
            "val_fraction": 0.0, "max_len": 40, "device": device}  # fmt: skip
    cases = {
        "auto": {},  # mixed_precision True: bf16-mixed where the card has it
        "gpu_precision 16-mixed": {"gpu_precision": "16-mixed"},
        "precision 32-true": {"precision": "32-true"},
    }
    if device != "cuda":  # the CPU's autocast path; gpu_precision would fall back to 32 bit
        cases = {"precision bf16-mixed": {"precision": "bf16-mixed"}, **cases}
    rows = []
    for arch in ("tcn", "stgcn", "lstm_attention"):
        for case, extra in cases.items():
            model = _fit(table, arch, {**base, **extra})
            score = model.predict(table)
            corr = float(np.corrcoef(score, y)[0, 1]) if np.isfinite(score).all() else float("nan")
            rows.append(
                {
                    "arch": arch,
                    "case": case,
                    "precision": model.fit_info_["precision"],
                    "device": model.fit_info_["device"],
                    "finite": bool(np.isfinite(score).all()),
                    "corr": round(corr, 4),
                    "ok": bool(np.isfinite(score).all() and corr > 0.7),
                }
            )
    return {"rows": rows, "ok": all(r["ok"] for r in rows)}


def _pose_recordings(folder: Path, n: int, frames: int, seed: int = 0) -> Any:
    """``n`` MediaPipe-pose recordings of random smooth motion (a score in the amplitude)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    base = rng.normal(0, 1, (33, 3))
    t = np.arange(frames) / 30.0
    for i in range(n):
        label = i % 5
        wave = np.sin(2 * np.pi * rng.uniform(0.5, 2.0) * t + rng.uniform(0, 6.3))
        pts = base[None] + 0.01 * rng.normal(size=(frames, 33, 3))
        pts[:, 15:23, 0] += (0.05 + 0.1 * label) * wave[:, None]  # the hands sway
        path = folder / f"pose{i:04d}.npy"
        np.save(path, pts.astype(np.float32))
        rows.append({"sample_id": f"p{i}", "subject_id": f"S{i // 4}", "label": label,
                     "source": str(path), "fps": 30.0, "layout": "mediapipe_pose_33"})  # fmt: skip
    return pd.DataFrame(rows)


def check_throughput(device: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Training recordings/s by precision, same net, data and epochs; warm-up fit first."""
    n, frames = (64, 32) if device != "cuda" else (args.recordings, args.frames)
    table = _pose_recordings(work / "pose", n, frames)
    params = {**NET, "batch_size": args.batch, "max_epochs": args.epochs, "val_fraction": 0.0,
              "max_len": frames, "device": device, "lr": 1e-3}  # fmt: skip
    if device != "cuda":
        params |= {"hidden": 16, "max_epochs": 1, "batch_size": 16}
    precisions = PRECISIONS if device == "cuda" else ("32-true", "bf16-mixed")
    archs = args.archs.split(",")
    if device != "cuda":  # oneDNN's bf16 LSTM fails on equal-length batches (torch 2.13 CPU)
        archs = [a for a in archs if "lstm" not in a]
    rows = []
    for arch in archs:
        _fit(table, arch, {**params, "max_epochs": 1})  # warm-up: CUDA context, cuDNN plans
        first = None
        for precision in precisions:
            row: dict[str, Any] = {"arch": arch, "precision": precision}
            try:
                info = _fit(table, arch, {**params, "precision": precision}).fit_info_
            except Exception as exc:  # one precision failing keeps the others' figures
                rows.append(row | {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
                continue
            if precision == "32-true":
                first = info["samples_per_s"]
            rows.append(
                row
                | {
                    "recordings_per_s": round(info["samples_per_s"], 1),
                    "speedup_vs_32": round(info["samples_per_s"] / first, 2) if first else None,
                    "wall_s": round(info["wall_s"], 2),
                    "epochs": info["epochs"],
                    "batch": info["batch_size"],
                    "ok": info["precision"] == precision,
                }
            )
    return {
        "data": f"{n} recordings x {frames} frames, mediapipe_pose_33 (33 joints x 6 channels)",
        "net": {k: params[k] for k in ("hidden", "layers", "kernel_size", "levels", "heads")},
        "batch": params["batch_size"],
        "epochs": params["max_epochs"],
        "deterministic": "warn (the sequence nets' default)",
        "rows": rows,
        "ok": all(r["ok"] for r in rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=None, help=f"JSON path (default {OUT})")
    parser.add_argument("--quick", action="store_true", help="fewer recordings and epochs")
    parser.add_argument("--cpu-dry-run", action="store_true", help="the same code on the CPU")
    parser.add_argument("--recordings", type=int, default=512)
    parser.add_argument("--frames", type=int, default=256)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--archs", default=",".join(THROUGHPUT_ARCHS), help="comma-separated")
    parser.add_argument(
        "--skip", default="", help="comma-separated checks to leave out (vlm_4bit, ...)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.recordings, args.frames, args.epochs = 128, 128, 2

    import torch

    if args.cpu_dry_run:
        device = "cpu"
    elif torch.cuda.is_available():
        device = "cuda"
    else:
        print(
            "gpu_paths: no CUDA device here, so nothing to check: the 4-bit VLM and the mixed-"
            "precision paths need one (the CPU test suite covers the rest). Run this on a GPU "
            "machine, or with --cpu-dry-run to check the script itself."
        )
        return 0
    out_path = args.out if args.out is not None else (None if args.cpu_dry_run else OUT)
    skip = {s for s in args.skip.split(",") if s}
    report: dict[str, Any] = {
        "meta": {
            **environment(device),
            "command": "python benchmarks/gpu_paths.py " + shlex.join(argv or sys.argv[1:]),
            "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        },
        "checks": {},
    }
    with tempfile.TemporaryDirectory(prefix="gpu_paths_") as tmp:
        work = Path(tmp)
        checks: dict[str, Callable[[], dict[str, Any]]] = {
            "vlm_4bit": lambda: check_vlm(device, work / "vlm"),
            "sequence_mixed": lambda: check_sequence_mixed(device, work / "seq", args.quick),
            "throughput": lambda: check_throughput(device, work / "speed", args),
        }
        for name, fn in checks.items():
            if name in skip:
                report["checks"][name] = {"ok": True, "skipped": True}
                continue
            (work / name).mkdir(parents=True, exist_ok=True)
            report["checks"][name] = run_check(name, fn)
    report["ok"] = all(c["ok"] for c in report["checks"].values())
    text = json.dumps(report, indent=2, default=str) + "\n"
    if out_path is not None:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(text)
        print(f"wrote {out_path}")
    print(text)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
