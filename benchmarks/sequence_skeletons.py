"""Sequence nets on NATOPS (official split), with and without velocity channels.

Protocol: NATOPS train/test files as given (180/180 cases, 24 channels = 8 points x xyz,
51 steps); each architecture trained once on the training file with a subject-held-out
validation split for early stopping (each case is its own subject here), 60 epochs max,
hidden 64, batch 32, lr 3e-3, classification head; inputs positions (+ velocities).
Published: ROCKET 0.885, ConvTran 0.939, TST 0.950, InceptionTime 0.917-0.966; the issue's
target is 0.96. Majority-class baseline on the same split beside every figure.

Writes reports/benchmarks/sequence_natops.{json,md}. Usage: python benchmarks/sequence_natops.py
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from hawkeye.config import ModelConfig, load_run_config
from hawkeye.data.ingest import ingest
from hawkeye.features.extract import build_features
from hawkeye.metrics import evaluate_predictions
from hawkeye.paths import shared_data_dir
from hawkeye.splits import make_folds
from hawkeye.training import cross_validate

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "benchmarks"
RUNS = [(a, True) for a in ("lstm_attention", "transformer", "conv_lstm", "tcn", "conv_bilstm")]
RUNS += [("conv_lstm", False), ("tcn", False)]  # the velocity ablation


def main() -> None:
    if not (shared_data_dir() / "natops").is_dir():
        raise SystemExit(f"skipped: {shared_data_dir() / 'natops'} is absent")
    cfg = load_run_config(ROOT / "pipelines" / "configs" / "natops.yaml")
    table = build_features(ingest(cfg.dataset).manifest, cfg.dataset, landmarks=False).features
    folds = make_folds(table, cfg.split)
    results = []
    for arch, velocity in RUNS:
        params = {
            "hidden": 64,
            "max_epochs": 60,
            "batch_size": 32,
            "max_len": 64,
            "velocity": velocity,
            "lr": 3e-3,
        }
        model = ModelConfig(name=arch, mode="classification", params=params)
        start = time.perf_counter()
        res = cross_validate(
            table, folds, model, cfg.dataset.min_label, cfg.dataset.max_label, task=cfg.dataset.task
        )
        wall = time.perf_counter() - start
        pooled = evaluate_predictions(
            res.predictions, cfg.dataset.min_label, cfg.dataset.max_label
        )["pooled"]
        results.append(
            {
                "arch": arch,
                "channels": "pos+vel" if velocity else "pos",
                "accuracy": round(pooled["model"]["exact_acc"], 4),
                "macro_f1": round(pooled["model"]["macro_f1"], 4),
                "majority_accuracy": round(pooled["baseline_majority"]["exact_acc"], 4),
                "wall_s": round(wall, 1),
                "train_samples_per_s": round(180 / wall, 1),
            }
        )
        print(results[-1])
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {
        "cpu_count": os.cpu_count(),
        "target_accuracy": 0.96,
        "published": {
            "ROCKET": 0.885,
            "ConvTran": 0.939,
            "TST": 0.950,
            "InceptionTime": "0.917-0.966",
        },
    }
    (OUT / "sequence_natops.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=2) + "\n"
    )
    lines = [
        "# Sequence nets on NATOPS (official split)",
        "",
        f"{meta['cpu_count']} CPU cores; published ROCKET 0.885, ConvTran 0.939, TST 0.950, "
        "InceptionTime 0.917-0.966; target 0.96.",
        "",
        "| architecture | channels | accuracy | macro-F1 | majority | wall s |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['arch']} | {r['channels']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | "
        f"{r['majority_accuracy']:.3f} | {r['wall_s']} |"
        for r in results
    ]
    (OUT / "sequence_natops.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
