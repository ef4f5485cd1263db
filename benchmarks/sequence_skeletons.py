"""Sequence nets on the public skeleton datasets, with and without velocity channels.

Protocols (the dataset's run configuration in pipelines/configs/ sets the split):
- natops: official train/test files (180/180 cases, 8 points x xyz, 51 steps).
- msr_action3d: cross-subject, odd subjects train, even test (291/275 sequences, 20 joints).
- uiprmd: correct vs incorrect over all 10 exercises, leave-one-subject-out (10 folds of
  2,000 repetitions, 22 Kinect joints).
Each architecture is trained once per fold, early-stopped on a subject-held-out share of
the training fold; one fixed recipe for every dataset (hidden 64, batch 32, lr 3e-3,
classification head, sequences resampled to --max-len frames), chosen on NATOPS before
the other two were run (the one-class autoencoder: lr 1e-3). Inputs: positions +
velocities, and positions only for the ablation. The majority class on the same folds
stands beside every figure. Wall time is cross_validate's: every fold's fit and
prediction plus the final refit on all recordings that a pipeline run would register.

Writes reports/benchmarks/sequence_<dataset>.{json,md}. Usage:
    python benchmarks/sequence_skeletons.py natops [--archs conv_lstm,tcn] [--max-epochs 60]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from hawkeye.config import DatasetConfig, ModelConfig, load_run_config
from hawkeye.data.ingest import ingest
from hawkeye.evaluation.metrics import evaluate_predictions
from hawkeye.features.extract import build_features
from hawkeye.models.sequence.names import ARCHITECTURES
from hawkeye.paths import shared_data_dir
from hawkeye.splits import make_folds
from hawkeye.training import cross_validate

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "benchmarks"
DATASETS = {
    "natops": {
        "folder": "natops",
        "target": 0.96,
        "published": "ROCKET 0.885, ConvTran 0.939, TST 0.950, InceptionTime 0.917-0.966",
    },
    "msr_action3d": {
        "folder": "msr_action3d",
        "target": 0.93,
        "published": "Lie group skeletons 0.895; modern skeleton networks > 0.92",
    },
    "uiprmd": {
        "folder": "ui_prmd",
        "target": 0.92,
        "published": "no published LOSO figure on all 2,000 repetitions (target macro-F1 0.92)",
    },
}


def run_one(
    table: pd.DataFrame,
    folds: pd.DataFrame,
    dataset: DatasetConfig,
    arch: str,
    velocity: bool,
    args: argparse.Namespace,
) -> dict:
    params = {
        "hidden": 64,
        "max_epochs": args.max_epochs,
        "batch_size": 32,
        "max_len": args.max_len,
        "velocity": velocity,
        "lr": 3e-3,
    }
    if arch == "autoencoder":  # one-class: learns the correct repetitions (label 1) only
        params |= {"normal_label": dataset.max_label, "lr": 1e-3}
    model = ModelConfig(name=arch, mode="classification", params=params)
    start = time.perf_counter()
    res = cross_validate(table, folds, model, dataset.min_label, dataset.max_label, task="motion")
    wall = time.perf_counter() - start
    pooled = evaluate_predictions(res.predictions, dataset.min_label, dataset.max_label)["pooled"]
    test_folds = [k for k in folds["fold"].unique() if k >= 0]  # -1: an official training side
    # recordings through a fit: every fold's training side plus the final refit on all
    trained = sum(int((folds["fold"] != k).sum()) for k in test_folds) + len(table)
    row = {
        "arch": arch,
        "channels": "pos+vel" if velocity else "pos",
        "accuracy": round(pooled["model"]["exact_acc"], 4),
        "macro_f1": round(pooled["model"]["macro_f1"], 4),
        "majority_accuracy": round(pooled["baseline_majority"]["exact_acc"], 4),
        "majority_macro_f1": round(pooled["baseline_majority"]["macro_f1"], 4),
        "auroc": round(pooled["model"].get("auroc", float("nan")), 4),
        "folds": len(test_folds),
        "wall_s": round(wall, 1),
        "recordings_per_s": round(trained / wall, 1),
        "max_epochs": args.max_epochs,
        "max_len": args.max_len,
    }
    if "anomaly_score" in res.predictions.columns:
        row["auroc_within_task"] = round(within_task_auroc(res.predictions, table), 4)
    return row


def within_task_auroc(predictions: pd.DataFrame, table: pd.DataFrame) -> float:
    """Mean over exercises of the AUROC inside each: how well the reconstruction error tells
    a wrong squat from a right squat, without comparing error levels across exercises."""
    frame = predictions.merge(table[["sample_id", "task"]], on="sample_id")
    values = [
        roc_auc_score(g["label"] != g["normal_label"], g["anomaly_score"])
        for _, g in frame.groupby("task")
        if (g["label"] != g["normal_label"]).nunique() == 2
    ]
    return float(np.mean(values)) if values else float("nan")


def merge_results(path: Path, results: list[dict]) -> list[dict]:
    """Earlier rows of the JSON kept, a re-run (same architecture and channels) replaced."""
    key = itemgetter("arch", "channels")
    new = {key(r): r for r in results}
    old = json.loads(path.read_text())["results"] if path.is_file() else []
    kept = [r for r in old if key(r) not in new]
    return kept + results


def _num(value: float) -> str:
    return "-" if value != value else f"{value:.3f}"  # NaN: not measured for this row


def render(stem: Path) -> str:
    """The markdown table from the JSON, so a table can change without re-training."""
    data = json.loads(stem.with_suffix(".json").read_text())
    meta, results = data["meta"], data["results"]
    oneclass = any(r["auroc"] == r["auroc"] for r in results)  # NaN != NaN
    auroc_head, auroc_rule = (" AUROC |", "---|") if oneclass else ("", "")
    lines = [
        f"# Sequence nets on {meta['dataset']} ({meta['protocol']} split)",
        "",
        f"{meta['n_recordings']} recordings, {meta['cpu_count']} CPU cores. Published: "
        f"{meta['published']}; target {meta['target']}. Produced by "
        + ", ".join(f"`{c}`" for c in dict.fromkeys(r["command"] for r in results))
        + ".",
        "",
        f"| architecture | channels | accuracy | macro-F1 |{auroc_head} majority acc "
        "| majority F1 | folds | max epochs | frames | wall s | recordings/s |",
        f"|---|---|---|---|{auroc_rule}---|---|---|---|---|---|---|",
    ]
    for r in results:
        auroc = f" {_num(r['auroc'])} |" if oneclass else ""
        lines.append(
            f"| {r['arch']} | {r['channels']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} |"
            f"{auroc} {r['majority_accuracy']:.3f} | {r['majority_macro_f1']:.3f} | "
            f"{r['folds']} | {r['max_epochs']} | {r['max_len']} | {r['wall_s']} | "
            f"{r['recordings_per_s']} |"
        )
    if oneclass:
        lines += [
            "",
            "The autoencoder never sees an incorrect repetition: AUROC ranks its "
            "reconstruction error (a constant predictor scores 0.5); accuracy and F1 count "
            "its threshold (95th percentile of the correct training repetitions). "
            "Its anomaly score is the reconstruction error over the fold model's threshold, "
            "so the folds' scores share a scale when pooled. Recordings/s counts every "
            "training recording, though it trains on the correct half only.",
        ]
        lines += [
            f"AUROC inside each exercise (mean over exercises), {r['arch']}: "
            f"{_num(r['auroc_within_task'])}."
            for r in results
            if "auroc_within_task" in r
        ]
    markdown = "\n".join(lines) + "\n"
    stem.with_suffix(".md").write_text(markdown)
    return markdown


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", choices=sorted(DATASETS))
    parser.add_argument("--archs", default=",".join(ARCHITECTURES), help="comma-separated")
    parser.add_argument(
        "--ablation", default="conv_lstm,tcn", help="archs also run on positions only"
    )
    parser.add_argument(
        "--oneclass", action="store_true", help="also the autoencoder on correct executions"
    )
    parser.add_argument("--max-epochs", type=int, default=60)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument(
        "--render-only", action="store_true", help="rewrite the markdown from the JSON"
    )
    args = parser.parse_args()
    stem = OUT / f"sequence_{args.dataset}"
    if args.render_only:
        print(render(stem))
        return
    info = DATASETS[args.dataset]
    if not (shared_data_dir() / info["folder"]).is_dir():
        raise SystemExit(f"skipped: {shared_data_dir() / info['folder']} is absent")
    cfg = load_run_config(ROOT / "pipelines" / "configs" / f"{args.dataset}.yaml")
    table = build_features(ingest(cfg.dataset).manifest, cfg.dataset, landmarks=False).features
    folds = make_folds(table, cfg.split)
    runs = [(a, True) for a in args.archs.split(",") if a]
    runs += [(a, False) for a in args.ablation.split(",") if a]
    runs += [("autoencoder", True)] if args.oneclass else []
    results = []
    command = "python benchmarks/sequence_skeletons.py " + shlex.join(sys.argv[1:])
    for arch, velocity in runs:
        results.append(
            run_one(table, folds, cfg.dataset, arch, velocity, args) | {"command": command}
        )
        print(results[-1], flush=True)

    meta = {
        "dataset": args.dataset,
        "protocol": cfg.split.strategy,
        "n_recordings": len(table),
        "cpu_count": os.cpu_count(),
        "target": info["target"],
        "published": info["published"],
    }
    OUT.mkdir(parents=True, exist_ok=True)
    results = merge_results(stem.with_suffix(".json"), results)
    stem.with_suffix(".json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=2) + "\n"
    )
    print(render(stem))


if __name__ == "__main__":
    main()
