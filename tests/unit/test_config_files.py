"""Layered run configurations (hawkeye.config_files): merge rules, errors, the shipped layers."""

from pathlib import Path

import pytest
import yaml

from hawkeye.config_files import LayerError, merge, read_parameters, resolve_parameters

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "pipelines" / "configs"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_mappings_merge_key_by_key_and_lists_are_replaced() -> None:
    base = {"dataset": {"name": "a", "columns": {"v": "source"}}, "split": {"n_splits": 5}}
    layer = {"dataset": {"columns": {"p": "subject_id"}}, "split": {"n_splits": 3}}
    assert merge(base, layer) == {
        "dataset": {"name": "a", "columns": {"v": "source", "p": "subject_id"}},
        "split": {"n_splits": 3},
    }
    assert merge({"x": [1, 2]}, {"x": [3]}) == {"x": [3]}
    assert base["split"] == {"n_splits": 5}  # inputs untouched


def test_another_model_starts_its_params_afresh_the_same_model_merges_them() -> None:
    rf = {"model": {"name": "random_forest", "mode": "regression", "params": {"n_estimators": 9}}}
    assert merge(rf, {"model": {"name": "xgboost"}}) == {
        "model": {"name": "xgboost", "mode": "regression"}
    }
    assert merge(rf, {"model": {"params": {"max_depth": 3}}})["model"]["params"] == {
        "n_estimators": 9,
        "max_depth": 3,
    }


def test_layers_apply_left_to_right_then_the_file_itself(tmp_path: Path) -> None:
    _write(tmp_path, "base/a", "dataset: {name: a, task: gait}\nsplit: {n_splits: 4}\n")
    _write(tmp_path, "base/b", "parameters:\n  dataset: {name: b}\n")
    run = _write(
        tmp_path,
        "run",
        "run_name: r\nparameters:\n  extends: [base/a, base/b]\n  split: {seed: 2}\n",
    )
    assert read_parameters(run, tmp_path) == {
        "dataset": {"name": "b", "task": "gait"},
        "split": {"n_splits": 4, "seed": 2},
    }


def test_a_missing_layer_names_the_known_ones_and_a_circle_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "x", "parameters: {extends: y}\n")
    _write(tmp_path, "y", "parameters: {extends: x}\n")
    with pytest.raises(LayerError, match="circle: x -> y -> x"):
        resolve_parameters({"extends": "x"}, tmp_path)
    with pytest.raises(LayerError, match=r"no layer 'z'.*known: x, y"):
        resolve_parameters({"extends": ["z"]}, tmp_path)
    with pytest.raises(LayerError, match="must be a layer name"):
        resolve_parameters({"extends": {"a": 1}}, tmp_path)


def test_hpc_is_the_demo_with_fewer_trees() -> None:
    """The one line hpc.yaml changes, written out by hand from demo.yaml's layers."""
    hpc = read_parameters(CONFIGS / "hpc.yaml", CONFIGS)
    assert hpc["model"] == {
        "name": "random_forest",
        "mode": "regression",
        "params": {"n_estimators": 50},
    }
    assert hpc["dataset"]["path"] == "data/raw/synthetic_tapping/annotations.csv"
    assert hpc["split"] == {"strategy": "stratified_group_kfold", "n_splits": 5, "seed": 0}
    assert hpc["registry"]["gate"] == {"metric": "mae", "min_improvement_over_baseline": 0.05}
    # a switch of model drops the demo's forest settings
    assert read_parameters(CONFIGS / "demo_xgboost.yaml", CONFIGS)["model"] == {
        "name": "xgboost",
        "mode": "regression",
    }


def test_every_shipped_run_configuration_is_thin() -> None:
    """No run file restates a dataset another layer holds: each names at most its differences."""
    for path in CONFIGS.glob("*.yaml"):
        raw = yaml.safe_load(path.read_text())
        params = raw.get("parameters", {})
        if params.get("dataset", {}).get("path", "").startswith("data/raw/synthetic_tapping"):
            pytest.fail(f"{path.name} restates the synthetic tapping dataset")
