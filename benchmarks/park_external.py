"""PARK as an "external site": train on most participants, validate on the rest, adapt.

For each holdout seed: a fifth of PARK's participants (hash of seed and participant, as
``dataset.holdout`` does) is the external set; XGBoost is trained on the others (its own
5-fold participant-grouped out-of-fold figures reported too). The external set is then
split again by participant: a fifth of its participants (at least two) is the site's small
labelled adaptation set,
the other four fifths the site's test set. On that test set: the base model, each
adaptation (isotonic recalibration, per-site standardisation, both), the baselines fitted
on the training participants, and the test set's own mean (a constant that already knows
the site's average). Everything is one cohort here, so there is no real site effect to
undo: the figures say what adaptation costs when nothing needs adapting.

Writes reports/benchmarks/park_external.{json,md}. Usage:
    python benchmarks/park_external.py [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hawkeye.config import DatasetConfig, HoldoutConfig, ModelConfig, SplitConfig
from hawkeye.data.ingest import held_out, ingest
from hawkeye.evaluation.metrics import evaluate_predictions, score_metrics
from hawkeye.external import METHODS, AdaptedModel, LabelledSet, adapt, external_report
from hawkeye.features.extract import build_features
from hawkeye.paths import shared_data_dir
from hawkeye.splits import make_folds
from hawkeye.training import cross_validate

OUT = Path(__file__).resolve().parents[1] / "reports" / "benchmarks"
SHOWN = ("mae", "exact_acc", "pearson")


def _row(setting: str, predictor: str, seed: int, n: int, metrics: dict) -> dict:
    return {
        "seed": seed,
        "setting": setting,
        "predictor": predictor,
        "n": n,
        **{m: round(float(metrics[m]), 4) for m in SHOWN},
    }


def one_seed(table: pd.DataFrame, cfg: DatasetConfig, seed: int) -> list[dict]:
    rows = []
    holdout = HoldoutConfig(share=0.2, seed=seed, keep="holdout")
    train = held_out(table, holdout.model_copy(update={"keep": "rest"}))
    external = held_out(table, holdout)
    folds = make_folds(train, SplitConfig(n_splits=5, seed=0))
    start = time.perf_counter()
    result = cross_validate(train, folds, ModelConfig(name="xgboost"), task="finger_tapping")
    fit_s = time.perf_counter() - start
    internal = evaluate_predictions(result.predictions)["pooled"]
    for who, metrics in internal.items():
        rows.append(_row("internal out-of-fold", who, seed, len(train), metrics))
    model = result.model

    # Exactly a fifth of the external participants (at least two) adapt; the rest test.
    people = np.random.default_rng(seed).permutation(sorted(external["subject_id"].unique()))
    chosen = set(people[: max(2, round(len(people) / 5))])
    in_adapt = external["subject_id"].isin(chosen).to_numpy()
    adapt_set = external[in_adapt].reset_index(drop=True)
    test_set = external[~in_adapt].reset_index(drop=True)
    labelled = {
        name: LabelledSet(name, frame, pd.DataFrame(), cfg)
        for name, frame in (("external", external), ("site test", test_set))
    }
    for name, data in labelled.items():
        report = external_report(model, data)
        for who, metrics in report["pooled"].items():
            rows.append(_row(name, who, seed, report["n_scored"], metrics))
    y = test_set["label"].to_numpy(float)
    adapt_data = LabelledSet("site adaptation", adapt_set, pd.DataFrame(), cfg)
    for method in METHODS:
        cv = adapt(model, adapt_data, method, n_splits=3)
        if method == METHODS[0]:
            rows.append(
                _row(
                    "adaptation set (CV)",
                    "model",
                    seed,
                    len(adapt_set),
                    cv.report["pooled"]["base"],
                )
            )
        rows.append(
            _row(
                "adaptation set (CV)",
                f"adapted: {method}",
                seed,
                len(adapt_set),
                cv.report["pooled"]["adapted"],
            )
        )
        fitted = AdaptedModel(model, method).fit(adapt_set, adapt_set["label"].to_numpy(float))
        rows.append(
            _row(
                "site test",
                f"adapted: {method}",
                seed,
                len(test_set),
                score_metrics(y, fitted.predict(test_set)),
            )
        )
    print(
        f"seed {seed}: train {len(train)}, external {len(external)} (adapt {len(adapt_set)}, "
        f"test {len(test_set)}), fit {fit_s:.0f} s"
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    path = shared_data_dir() / "park_finger_tapping" / "fingertapping_features.csv"
    if not path.is_file():
        raise SystemExit(f"skipped: {path} is absent (set HAWKEYE_SHARED_DATA)")
    cfg = DatasetConfig(name="park", kind="feature_table", format="park", path=str(path))
    table = build_features(ingest(cfg).manifest, cfg).features
    rows = [r for seed in args.seeds for r in one_seed(table, cfg, seed)]
    frame = pd.DataFrame(rows)
    summary = (
        frame.groupby(["setting", "predictor"], sort=False)[["n", *SHOWN]]
        .agg(["mean", "std"])
        .round(3)
    )
    meta = {
        "dataset": str(path),
        "seeds": args.seeds,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "model": "xgboost (defaults)",
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "park_external.json").write_text(
        json.dumps({"meta": meta, "results": rows}, indent=2) + "\n"
    )
    lines = [
        "# PARK held-out participants as an external site",
        "",
        f"Seeds {args.seeds} (mean ± std over seeds); XGBoost trained on 4/5 of the "
        "participants; the held-out fifth is the external set, of which a fifth adapts the "
        "model and the rest tests it. Baselines are fitted on the training participants; "
        "`external_mean` is the evaluated set's own mean label.",
        "",
        "| setting | predictor | recordings | " + " | ".join(SHOWN) + " |",
        "|---|---|---|" + "---|" * len(SHOWN),
    ]
    for (setting, predictor), r in summary.iterrows():
        cells = " | ".join(
            f"{r[(m, 'mean')]:.3f} ± {0.0 if np.isnan(r[(m, 'std')]) else r[(m, 'std')]:.3f}"
            if np.isfinite(r[(m, "mean")])
            else "-"
            for m in SHOWN
        )
        lines.append(f"| {setting} | {predictor} | {r[('n', 'mean')]:.0f} | {cells} |")
    (OUT / "park_external.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
