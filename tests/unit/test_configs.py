from pathlib import Path

import pytest
import yaml

from hawkeye.config import RunConfig, load_run_config
from hawkeye.config_files import read_parameters

ROOT = Path(__file__).resolve().parents[2]
ALL_CONFIGS = sorted((ROOT / "pipelines" / "configs").glob("*.yaml"))
INFERENCE = {"inference"}
CONFIGS = [p for p in ALL_CONFIGS if p.stem not in INFERENCE]


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_every_run_configuration_validates(path: Path) -> None:
    assert isinstance(load_run_config(path), RunConfig)


def test_dvc_params_match_the_demo_run() -> None:
    """`dvc repro` and `hawkeye run demo` must train the same model on the same data."""
    demo = read_parameters(ROOT / "pipelines" / "configs" / "demo.yaml")
    assert yaml.safe_load((ROOT / "params.yaml").read_text()) == demo


def test_unknown_keys_are_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "parameters:\n  dataset: {name: x, kind: landmarks, path: a.csv, n_subject: 3}\n"
        "  registry: {model_name: m}\n"
    )
    with pytest.raises(ValueError, match="n_subject"):
        load_run_config(bad)


def test_inference_configuration_names_videos_and_a_model() -> None:
    params = yaml.safe_load((ROOT / "pipelines" / "configs" / "inference.yaml").read_text())[
        "parameters"
    ]
    assert set(params) == {"videos", "model", "side"}
    assert params["model"].startswith("models:/")


def test_model_variants_not_in_the_wheel_are_refused_with_the_allowed_values() -> None:
    """mediapipe 0.10.21 ships pose_landmark_full only: complexity 0 or 2 would download."""
    from pydantic import ValidationError

    from hawkeye.config import LandmarkConfig

    for complexity in (0, 2):
        with pytest.raises(ValidationError, match=r"not in the mediapipe wheel.*allowed: \[1\]"):
            LandmarkConfig(model="pose", model_complexity=complexity)
    assert LandmarkConfig(model="hands", model_complexity=0).model_complexity == 0
    with pytest.raises(ValidationError, match=r"allowed: \[0, 1\]"):
        LandmarkConfig(model="hands", model_complexity=2)


def test_dvc_yaml_is_the_generated_stage_list() -> None:
    """The checkout's dvc.yaml and the one `hawkeye init` writes come from one definition."""
    from hawkeye_cli.project import dvc_stages

    assert yaml.safe_load((ROOT / "dvc.yaml").read_text()) == dvc_stages(code_deps=True)
    deps = {d for s in dvc_stages(code_deps=True)["stages"].values() for d in s["deps"]}
    assert all((ROOT / d).exists() for d in deps if d.startswith("src/"))
