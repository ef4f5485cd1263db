"""Frame-level action segmentation on UTKinect-Action3D, leave-one-subject-out.

Data: ``../shared/data/utkinect`` (subjects 1-5 of 10, two sequences each, every sequence
one continuous stream of the ten actions; ``actionLabel_modified.txt``), read by the
``utkinect`` format: 10 sequences, 20 Kinect v1 joints, one sample a skeleton line (5-10
a second). Each frame's class is its action or ``background`` (11 classes). Inputs: the
motion channels (root-centred positions and their velocities in body sizes, 20 joints
x 6 = 120 channels), standardised over the training frames.

Folds: leave one subject out (5 folds: train on 8 sequences, test on the subject's 2).
Predictors, each fitted on the training side of every fold:

- ``majority``: every frame the most frequent training class (background);
- ``random_forest``: a random forest on each frame's channels alone, no temporal
  context or smoothing;
- ``mstcn`` / ``bigru``: the frame-wise nets of :mod:`hawkeye.models.framewise`
  (class-balanced cross-entropy; the MS-TCN with its truncated-MSE smoothing loss),
  raw argmax a frame as MS-TCN reports it.

Each model but the majority is reported twice: raw, and ``+ smoothing`` (the same
predictions through a 9-frame majority vote and a 5-frame minimum segment,
:func:`hawkeye.segments.smooth`: what ``pipelines/configs/utkinect_segments.yaml`` and
``hawkeye predict`` apply).

Metrics (:mod:`hawkeye.evaluation.segments`, MS-TCN's definitions, background left out
of edit and F1@k): pooled over the 5 test folds' 10 sequences for one seed, then mean
+- std over seeds. ``fit s`` is the mean training time a fold.

Writes reports/benchmarks/utkinect_segments.{json,md}. Usage:
    python benchmarks/utkinect_segments.py [--seeds 0,1,2] [--epochs 100] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.ensemble import RandomForestClassifier

from hawkeye import segments as seg
from hawkeye.data import formats
from hawkeye.evaluation.segments import NAMES, segment_metrics
from hawkeye.models import framewise
from hawkeye.models.framewise import motion_inputs
from hawkeye.paths import shared_data_dir

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "benchmarks"
SMOOTH = {"smooth_window": 9, "min_segment": 5}
NETS = {
    "mstcn": {"hidden": 16, "stages": 2, "layers": 5, "lr": 5e-3, "chunk": 256, "batch_size": 8},
    "bigru": {"hidden": 16, "layers": 1, "lr": 5e-3, "chunk": 64, "batch_size": 32},
}


def load(folder: Path) -> tuple[pd.DataFrame, list[np.ndarray], list[np.ndarray], list[str]]:
    rows = pd.DataFrame(formats.manifest_rows("utkinect", folder, None))
    rows = rows.sort_values("sample_id").reset_index(drop=True)
    X = motion_inputs(rows, velocity=True, acceleration=False, centre="frame")
    spans = [seg.row_segments(row) for _, row in rows.iterrows()]
    classes = seg.class_names(spans)
    y = [seg.frame_targets(s, len(x), classes) for s, x in zip(spans, X, strict=True)]
    return rows, X, y, classes


def fit_predict(name: str, train_X, train_y, test_X, seed: int, args) -> tuple[list, float]:
    """Raw per-frame predictions of one model for one fold, and its fit time."""
    start = time.perf_counter()
    if name == "majority":
        top = int(np.bincount(np.concatenate(train_y)).argmax())
        fitted = time.perf_counter() - start
        return [np.full(len(x), top) for x in test_X], fitted
    if name == "random_forest":
        forest = RandomForestClassifier(
            n_estimators=100,
            min_samples_leaf=2,
            class_weight="balanced",
            n_jobs=args.threads,
            random_state=seed,
        ).fit(np.concatenate(train_X), np.concatenate(train_y))
        fitted = time.perf_counter() - start
        return [forest.predict(x) for x in test_X], fitted
    params = {**NETS[name], "max_epochs": args.epochs, "threads": args.threads}
    model = framewise.build(name, params, seed=seed).fit(train_X, train_y)
    fitted = time.perf_counter() - start
    return model.predict(test_X), fitted


def smoothed(predicted: list[np.ndarray]) -> list[np.ndarray]:
    """The pipeline's smoothing (pipelines/configs/utkinect_segments.yaml): a 9-frame
    majority vote, then runs under 5 frames merged into a neighbour."""
    return [seg.smooth(p, window=SMOOTH["smooth_window"], min_length=SMOOTH["min_segment"])
            for p in predicted]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models", default="majority,random_forest,mstcn,bigru")
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args()
    folder = args.data or shared_data_dir() / "utkinect"
    if not folder.is_dir():
        sys.exit(f"{folder} is absent")
    torch.set_num_threads(args.threads)
    seeds = [int(s) for s in args.seeds.split(",")]
    rows, X, y, classes = load(folder)
    subjects = rows["subject_id"].to_numpy()
    wall = time.perf_counter()
    results = []
    for name in args.models.split(","):
        variants: dict[str, list[dict]] = {name: []}
        if name != "majority":
            variants[f"{name} + smoothing"] = []
        for seed in seeds if name != "majority" else seeds[:1]:
            predicted: list[np.ndarray] = [np.empty(0)] * len(X)
            fit_s = []
            for subject in sorted(set(subjects)):
                test = np.flatnonzero(subjects == subject)
                train = np.flatnonzero(subjects != subject)
                out, seconds = fit_predict(
                    name,
                    [X[i] for i in train],
                    [y[i] for i in train],
                    [X[i] for i in test],
                    seed,
                    args,
                )
                fit_s.append(seconds)
                for i, p in zip(test, out, strict=True):
                    predicted[i] = np.asarray(p, dtype=np.int64)
            for variant in variants:
                shown = smoothed(predicted) if variant.endswith("smoothing") else predicted
                figures = segment_metrics(shown, y)
                variants[variant].append({"seed": seed, **figures, "fit_s": float(np.mean(fit_s))})
                print(variant, seed, {k: round(v, 1) for k, v in figures.items()}, flush=True)
        for variant, runs_ in variants.items():
            table = pd.DataFrame(runs_)
            results.append(
                {
                    "model": variant,
                    "seeds": [r["seed"] for r in runs_],
                    "mean": {k: float(table[k].mean()) for k in (*NAMES, "fit_s")},
                    "std": {k: float(table[k].std(ddof=0)) for k in (*NAMES, "fit_s")},
                    "runs": runs_,
                }
            )
    frames = sum(len(t) for t in y)
    background = float(np.mean(np.concatenate(y) == 0))
    report = {
        "dataset": "utkinect",
        "protocol": "leave-one-subject-out over subjects 1-5 (5 folds)",
        "sequences": len(rows),
        "subjects": len(set(subjects)),
        "frames": int(frames),
        "background_share": background,
        "classes": classes,
        "channels": int(X[0].shape[1]),
        "threads": args.threads,
        "cpu": f"{os.cpu_count()} cores ({platform.processor() or platform.machine()})",
        "epochs": args.epochs,
        "nets": NETS,
        "smoothing": SMOOTH,
        "wall_s": time.perf_counter() - wall,
        "command": "python benchmarks/utkinect_segments.py " + shlex.join(sys.argv[1:]),
        "results": results,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "utkinect_segments.json").write_text(json.dumps(report, indent=2) + "\n")
    (OUT / "utkinect_segments.md").write_text(markdown(report))
    print(markdown(report))


def markdown(report: dict) -> str:
    def cell(r: dict, k: str) -> str:
        if len(r["seeds"]) == 1:
            return f"{r['mean'][k]:.1f}"
        return f"{r['mean'][k]:.1f} ± {r['std'][k]:.1f}"

    lines = [
        "# Action segmentation on UTKinect-Action3D (leave-one-subject-out)",
        "",
        f"{report['sequences']} sequences of {report['subjects']} subjects, {report['frames']} "
        f"frames (skeleton lines, 5-10 a second), {len(report['classes'])} classes "
        f"({report['background_share']:.0%} of frames background), {report['channels']} motion "
        f"channels a frame. Figures pooled over the 5 test folds, mean ± std over seeds "
        f"(MS-TCN's metrics; background left out of edit and F1@k). {report['threads']} "
        f"threads, {report['cpu']}, {report['epochs']} epochs a net, wall "
        f"{report['wall_s']:.0f} s. Produced by `{report['command']}`.",
        "",
        "| model | seeds | frame acc | frame macro-F1 | edit | F1@10 | F1@25 | F1@50 "
        "| fit s/fold |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["results"]:
        cells = [cell(r, k) for k in (*NAMES, "fit_s")]
        lines.append(f"| {r['model']} | {len(r['seeds'])} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
