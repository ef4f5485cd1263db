"""aeon's convolution-kernel models beside Hawkeye's random forest, on the public skeletons.

Protocols (the dataset's run configuration in pipelines/configs/ sets the split):
- natops: official train/test files (180/180 cases, 8 points x xyz, 51 steps).
- msr_action3d: cross-subject (odd subjects train, even test) on the standard 557-file
  list of the CVPR 2012 paper (manifest rows with ``in_cvpr12``): 284 train, 273 test.

Each model is fitted on the training side and scored on the test side, once per seed,
through the registry (``registry.build_model``: the estimators a pipeline run trains),
never through ZenML. MiniRocket, MultiRocket and MultiRocket-Hydra read the landmark files
(motion channels: root-centred positions in body sizes, resampled to the training median
length); the random forest reads the ``motion`` feature table. ``fit_s`` is the fit alone
(reading the files included), ``predict_s`` the scoring of the test side; there is no final
refit. Every model is fitted once on a few recordings before the timed runs, so numba's
first compilation is not in any figure. Threads: ``--threads`` for every library (numba,
torch, BLAS/OpenMP through threadpoolctl, ``n_jobs``), recorded in the JSON. The majority
class of the training side stands beside every figure.

Writes reports/benchmarks/rocket.{json,md}. Needs aeon (pip install "hawkeye[tsc]"). Usage:
    python benchmarks/rocket.py [--datasets natops msr_action3d] [--seeds 0 1 2] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import f1_score
from threadpoolctl import threadpool_info, threadpool_limits

from hawkeye.config import ModelConfig, RunConfig, load_run_config
from hawkeye.data.ingest import ingest
from hawkeye.features.extract import build_features
from hawkeye.features.table import feature_columns
from hawkeye.models import rocket
from hawkeye.models.registry import build_model
from hawkeye.paths import shared_data_dir
from hawkeye.splits import make_folds

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "benchmarks"
MODELS = ("minirocket", "multirocket", "multirocket_hydra", "random_forest")
DATASETS = {
    "natops": {
        "folder": "natops",
        "protocol": "official split, 180 train / 180 test",
        "published": "ROCKET 0.885, InceptionTime 0.917-0.966, ConvTran 0.939, TST 0.950",
        "hawkeye": "best sequence net 0.917 (ConvLSTM, one run: sequence_natops.md)",
        "target": 0.97,
    },
    "msr_action3d": {
        "folder": "msr_action3d",
        "protocol": "cross-subject, the 557-file list",
        "published": "Lie group (CVPR 2014) 0.895; modern skeleton networks > 0.92",
        "hawkeye": "best sequence net 0.826 (Transformer, one run, on 566 files: "
        "sequence_msr_action3d.md)",
        "target": 0.93,
    },
}


def load(name: str) -> tuple[RunConfig, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The run configuration, the recordings (landmark files), the feature table, the folds."""
    cfg = load_run_config(ROOT / "pipelines" / "configs" / f"{name}.yaml")
    manifest = ingest(cfg.dataset).manifest
    if "in_cvpr12" in manifest.columns:  # MSR Action3D: the standard protocol's 557 files
        manifest = manifest[manifest["in_cvpr12"].astype(bool)].reset_index(drop=True)
    recordings = build_features(manifest, cfg.dataset, landmarks=False).features
    features = build_features(manifest, cfg.dataset).features
    if len(features) != len(recordings):
        raise SystemExit(f"{name}: {len(recordings) - len(features)} recordings lost features")
    folds = make_folds(recordings, cfg.split)
    return cfg, recordings, features, folds


def model_config(name: str, seed: int, threads: int) -> ModelConfig:
    params = {"n_jobs": threads}
    if name == "random_forest":
        params["n_estimators"] = 300  # base/skeleton_classifier's
    return ModelConfig(name=name, mode="classification", params=params, seed=seed)


def warm_up(recordings: pd.DataFrame, cfg: RunConfig, threads: int) -> None:
    """One small fit and prediction of each aeon model: numba compiles (or loads) its kernels."""
    few = recordings.groupby("label").head(2)
    for name in MODELS[:-1]:
        model = build_model(
            model_config(name, 0, threads), "motion", cfg.dataset.min_label, cfg.dataset.max_label
        )
        model.fit(few, few["label"].to_numpy()).predict(few)


def run_one(
    name: str,
    seed: int,
    cfg: RunConfig,
    train: tuple[pd.DataFrame, np.ndarray],
    test: tuple[pd.DataFrame, np.ndarray],
    threads: int,
) -> dict:
    """One fit on the training side (timed), one prediction of the test side (timed)."""
    import numba  # aeon's dependency (the tsc extra)

    model = build_model(
        model_config(name, seed, threads), "motion", cfg.dataset.min_label, cfg.dataset.max_label
    )
    with threadpool_limits(threads):  # every BLAS/OpenMP pool loaded by now, torch's too
        torch.set_num_threads(threads)
        numba.set_num_threads(threads)
        start, cpu = time.perf_counter(), time.process_time()
        model.fit(*train)
        fit_s, fit_cpu_s = time.perf_counter() - start, time.process_time() - cpu
        seen = sorted(
            {p["num_threads"] for p in threadpool_info()}
            | {torch.get_num_threads(), numba.get_num_threads()}
        )
        start = time.perf_counter()
        predicted = np.rint(model.predict(test[0])).astype(int)
        predict_s = time.perf_counter() - start
    y = test[1]
    return {
        "model": name,
        "seed": seed,
        "accuracy": round(float((predicted == y).mean()), 4),
        "macro_f1": round(float(f1_score(y, predicted, average="macro")), 4),
        "fit_s": round(fit_s, 2),
        "fit_cpu_s": round(fit_cpu_s, 2),
        "predict_s": round(predict_s, 2),
        "length": getattr(model, "length_", None),
        "threads_seen": seen,  # every thread pool's size after the fit, torch's and numba's
    }


def run_dataset(name: str, seeds: list[int], threads: int) -> dict:
    start = time.perf_counter()
    cfg, recordings, features, folds = load(name)
    load_s = time.perf_counter() - start
    fold = folds.set_index("sample_id")["fold"]
    test_mask = recordings["sample_id"].map(fold).to_numpy() == 0
    features = features.set_index("sample_id").loc[recordings["sample_id"]].reset_index()
    columns = feature_columns(features)
    y = recordings["label"].to_numpy()

    def side(table: pd.DataFrame, mask: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        return table[mask].reset_index(drop=True), y[mask]

    inputs = {  # the forest reads feature columns, the aeon models whole rows (landmark files)
        "sequences": (side(recordings, ~test_mask), side(recordings, test_mask)),
        "features": (side(features[columns], ~test_mask), side(features[columns], test_mask)),
    }
    warm_up(recordings[~test_mask], cfg, threads)
    runs = []
    for model in MODELS:
        train, test = inputs["features" if model == "random_forest" else "sequences"]
        for seed in seeds:
            runs.append(run_one(model, seed, cfg, train, test, threads))
            print(name, runs[-1], flush=True)
    y_train, y_test = pd.Series(y[~test_mask]), pd.Series(y[test_mask])
    majority = y_train.value_counts().idxmax()
    majority_pred = np.full(len(y_test), majority)
    return {
        "dataset": name,
        "protocol": DATASETS[name]["protocol"],
        "published": DATASETS[name]["published"],
        "hawkeye_before": DATASETS[name]["hawkeye"],
        "target": DATASETS[name]["target"],
        "n_train": int((~test_mask).sum()),
        "n_test": int(test_mask.sum()),
        "n_features": len(columns),
        "load_s": round(load_s, 1),
        "majority_accuracy": round(float((y_test.to_numpy() == majority).mean()), 4),
        "majority_macro_f1": round(
            float(f1_score(y_test, majority_pred, average="macro", zero_division=0)), 4
        ),
        "runs": runs,
    }


def summarise(runs: list[dict]) -> list[dict]:
    """Mean and standard deviation over seeds, a model a row (std over seeds, ddof 0)."""
    frame = pd.DataFrame(runs)
    rows = []
    for model, g in frame.groupby("model", sort=False):
        rows.append(
            {
                "model": model,
                "seeds": len(g),
                **{f"{m}_mean": round(float(g[m].mean()), 4) for m in ("accuracy", "macro_f1")},
                **{f"{m}_std": round(float(g[m].std(ddof=0)), 4) for m in ("accuracy", "macro_f1")},
                "fit_s_mean": round(float(g["fit_s"].mean()), 2),
                "fit_s_std": round(float(g["fit_s"].std(ddof=0)), 2),
                "fit_cpu_s_mean": round(float(g["fit_cpu_s"].mean()), 2),
                "predict_s_mean": round(float(g["predict_s"].mean()), 2),
                "min_accuracy": float(g["accuracy"].min()),
                "max_accuracy": float(g["accuracy"].max()),
            }
        )
    return rows


LABELS = {
    "minirocket": "MiniRocket (aeon)",
    "multirocket": "MultiRocket (aeon)",
    "multirocket_hydra": "MultiRocket-Hydra (aeon)",
    "random_forest": "Random Forest, motion features",
}


def render(stem: Path) -> str:
    """The markdown tables from the JSON."""
    data = json.loads(stem.with_suffix(".json").read_text())
    meta = data["meta"]
    lines = [
        "# Convolution-kernel models (aeon) beside the random forest",
        "",
        f"Produced by `{meta['command']}` on {meta['cpu_count']} CPU cores, "
        f"{meta['threads']} thread(s) for every library during each fit and prediction "
        "(numba, torch, every BLAS/OpenMP pool through threadpoolctl, n_jobs; pool sizes "
        f"seen after the fits: {', '.join(map(str, meta['threads_seen']))}); "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
        + ". "
        "One-minute load average before and after: "
        + " and ".join(map(str, meta["load_average_before_after"]))
        + " (other work shared the cores: fit seconds are indicative, CPU seconds steadier).",
        "Accuracy and macro-F1 on the test side, mean ± std over seeds "
        f"{', '.join(map(str, meta['seeds']))} (std with ddof 0). Fit seconds: the fit alone "
        "(reading the landmark files included; the forest's are read into features before), "
        "after a warm-up fit that keeps numba's compilation out; no final refit. "
        "aeon's inputs: root-centred positions in body sizes, resampled to the training "
        "median length; aeon's default kernel counts.",
    ]
    for d in data["datasets"]:
        lines += [
            "",
            f"## {d['dataset']} ({d['protocol']})",
            "",
            f"{d['n_train']} train, {d['n_test']} test recordings; the forest reads "
            f"{d['n_features']} motion features. Published: {d['published']}. "
            f"Hawkeye before: {d['hawkeye_before']}. Issue 13's target: {d['target']}.",
            "",
            "| model | accuracy | macro-F1 | accuracy range | fit s | fit CPU s | predict s "
            "| seeds |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in d["summary"]:
            lines.append(
                f"| {LABELS.get(r['model'], r['model'])} | {r['accuracy_mean']:.3f} ± "
                f"{r['accuracy_std']:.3f} | {r['macro_f1_mean']:.3f} ± {r['macro_f1_std']:.3f} "
                f"| {r['min_accuracy']:.3f}-{r['max_accuracy']:.3f} | {r['fit_s_mean']:.1f} ± "
                f"{r['fit_s_std']:.1f} | {r['fit_cpu_s_mean']:.1f} | {r['predict_s_mean']:.1f} "
                f"| {r['seeds']} |"
            )
        lines.append(
            f"| majority class of the training side | {d['majority_accuracy']:.3f} | "
            f"{d['majority_macro_f1']:.3f} | | | | | |"
        )
    markdown = "\n".join(lines) + "\n"
    stem.with_suffix(".md").write_text(markdown)
    return markdown


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--render-only", action="store_true", help="rewrite the markdown from the JSON"
    )
    args = parser.parse_args()
    stem = OUT / "rocket"
    if not rocket.has_aeon() and not args.render_only:
        raise SystemExit(f"needs aeon: {rocket.INSTALL}")
    if args.render_only:
        print(render(stem))
        return
    for name in args.datasets:
        if not (shared_data_dir() / DATASETS[name]["folder"]).is_dir():
            raise SystemExit(f"skipped: {shared_data_dir() / DATASETS[name]['folder']} is absent")

    load_before = os.getloadavg()
    results = [run_dataset(name, args.seeds, args.threads) for name in args.datasets]
    seen = sorted({n for d in results for r in d["runs"] for n in r["threads_seen"]})
    for d in results:
        d["summary"] = summarise(d["runs"])
    meta = {
        "command": ("python benchmarks/rocket.py " + shlex.join(sys.argv[1:])).strip(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "threads": args.threads,
        "threads_seen": seen,
        "threadpools": sorted(
            {f"{p['internal_api']} {Path(p['filepath']).name}" for p in threadpool_info()}
        ),
        "seeds": args.seeds,
        "versions": {
            p: version(p) for p in ("aeon", "numpy", "pandas", "scikit-learn", "numba", "torch")
        },
    }
    OUT.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(
        json.dumps({"meta": meta, "datasets": results}, indent=2) + "\n"
    )
    print(render(stem))


if __name__ == "__main__":
    main()
