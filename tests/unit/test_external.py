"""External validation and site adaptation on constructed feature tables.

The "site" shares the training cohort's features but its raters score one point higher:
a recalibration must find that, and the external report must show the model losing to
the site's own mean before adaptation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import DatasetConfig, HoldoutConfig, ModelConfig, SplitConfig
from hawkeye.data.ingest import held_out, ingest
from hawkeye.external import (
    AdaptedModel,
    LabelledSet,
    adapt,
    beats_training_baselines,
    external_report,
)
from hawkeye.splits import make_folds
from hawkeye.training import cross_validate
from tests.conftest import labelled_table


def _trained(table: pd.DataFrame):
    cfg = ModelConfig(name="random_forest", params={"n_estimators": 60})
    folds = make_folds(table, SplitConfig(strategy="group_kfold", n_splits=4, near_duplicate_rms=0))
    return cross_validate(table, folds, cfg, 0, 4, task="t").model


def _site(table: pd.DataFrame, shift: int) -> LabelledSet:
    cfg = DatasetConfig(name="site", kind="feature_table", path="unused.csv", task="t")
    site = table.assign(label=np.clip(table["label"] + shift, 0, 4))
    return LabelledSet("site", site, pd.DataFrame(), cfg)


def test_external_report_puts_the_model_beside_its_training_baselines() -> None:
    train = labelled_table(120, seed=1, noise=0.2)
    model = _trained(train)
    site = _site(labelled_table(80, seed=2, noise=0.2), shift=0)
    report = external_report(model, site)
    y = site.features["label"].to_numpy(float)
    pooled = report["pooled"]
    # Baselines are constants fitted on the *training* labels, worked out here directly.
    mean_train = train["label"].mean()
    assert pooled["baseline_mean"]["mae"] == pytest.approx(np.abs(y - mean_train).mean())
    values, counts = np.unique(train["label"], return_counts=True)
    majority = values[np.argmax(counts)]
    assert pooled["baseline_majority"]["mae"] == pytest.approx(np.abs(y - majority).mean())
    assert pooled["external_mean"]["mae"] == pytest.approx(np.abs(y - y.mean()).mean())
    assert report["n_scored"] == 80 and report["coverage"] == 1.0
    ok, why = beats_training_baselines(report)
    assert ok, why
    assert pooled["model"]["mae"] < 0.5


def test_a_site_that_rates_one_point_higher_is_recalibrated() -> None:
    train = labelled_table(120, seed=1, noise=0.2)
    model = _trained(train)
    # Labels 0..3 only, so +1 never clips: the site's standard is exactly one point higher.
    raw = labelled_table(100, seed=3, noise=0.2)
    raw = raw[raw["label"] <= 3].reset_index(drop=True)
    site = _site(raw, shift=1)
    before = external_report(model, site)["pooled"]
    assert before["model"]["mae"] > 0.7  # off by about the one point the raters add
    result = adapt(model, site, "isotonic", n_splits=4)
    pooled = result.report["pooled"]
    assert pooled["base"]["mae"] == pytest.approx(before["model"]["mae"])
    assert pooled["adapted"]["mae"] < pooled["base"]["mae"] - 0.4
    assert result.predictions["fold"].min() >= 0  # every recording scored out of fold
    # The final adapter maps a base score of ~k onto ~k+1.
    shifted = result.model.predict(site.features)
    assert np.mean(np.abs(shifted - site.features["label"])) < 0.5
    assert result.model.interval_.empirical_coverage_ >= 0.9  # from the site's own CV


def test_standardisation_undoes_a_site_that_measures_on_another_scale() -> None:
    train = labelled_table(120, seed=1, noise=0.2)
    model = _trained(train)
    site = _site(labelled_table(80, seed=4, noise=0.2), shift=0)
    site.features["signal"] = site.features["signal"] * 3.0 + 5.0  # another camera, say
    report = external_report(model, site)
    # So far outside the training range that applicability refuses to score the site as is ...
    assert report["applicability"].get("refused", 0) > len(site.features) / 2
    names = list(model.feature_names_in_)
    before = np.abs(model.predict(site.features[names]) - site.features["label"]).mean()
    adapted = AdaptedModel(model, "standardize").fit(site.features, site.features["label"])
    after = np.abs(adapted.predict(site.features) - site.features["label"]).mean()
    assert before > 1.0 and after < 0.5
    # ... and once standardised the same recordings lie inside it again.
    assert external_report(adapted, site)["applicability"].get("refused", 0) == 0


def test_holdout_keeps_the_same_subjects_whatever_the_row_order(tmp_path: Path) -> None:
    table = labelled_table(200, seed=5)
    cfg = HoldoutConfig(share=0.25, seed=3, keep="holdout")
    kept = held_out(table, cfg)
    rest = held_out(table, cfg.model_copy(update={"keep": "rest"}))
    shuffled = held_out(table.sample(frac=1, random_state=0), cfg)
    assert set(kept["subject_id"]) == set(shuffled["subject_id"])
    assert not set(kept["subject_id"]) & set(rest["subject_id"])
    assert len(kept) + len(rest) == len(table)
    share = kept["subject_id"].nunique() / table["subject_id"].nunique()
    assert 0.1 < share < 0.4  # 100 subjects, a hash at 25 %: far from 0 or all


def test_feature_columns_restrict_a_feature_table(tmp_path: Path) -> None:
    table = labelled_table(40, seed=6).assign(source="x", fps=float("nan"))
    path = tmp_path / "t.csv"
    table.to_csv(path, index=False)
    base = {"name": "t", "kind": "feature_table", "path": str(path), "task": "t"}
    out = ingest(DatasetConfig(**base, feature_columns=["signal"])).manifest
    assert "signal" in out.columns and "noise" not in out.columns and "gappy" not in out.columns
    from hawkeye.data.errors import DatasetError

    with pytest.raises(DatasetError, match="not in the table"):
        ingest(DatasetConfig(**base, feature_columns=["signal", "nope"]))
