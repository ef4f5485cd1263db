"""A zero-shot VLM scorer through the real training pipeline, evaluated like every other model."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import isolated_env, run, top_level_runs
from tests.tiny_vlm import build_tiny_llava, write_clinic

pytestmark = pytest.mark.slow
pytest.importorskip("transformers", reason="the vlm extra is not installed")


def test_vlm_scorer_is_trained_evaluated_and_registered(project: Path) -> None:
    from mlflow.tracking import MlflowClient

    env = isolated_env(project) | {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    model_dir = build_tiny_llava(project / "tiny-llava", zero_head=True)  # always answers "3"
    params = {
        **write_clinic(project, n_frames=8),
        "model": {
            "name": "vlm",
            "params": {
                "model_path": str(model_dir),
                "n_frames": 2,
                "max_side": 64,
                "max_new_tokens": 1,
            },
        },
        "registry": {"model_name": "clinic-vlm"},
    }
    (project / "pipelines" / "configs" / "vlm.yaml").write_text(
        yaml.safe_dump({"parameters": params})
    )
    out = run(["hawkeye", "run", "vlm"], project, env)
    assert "6 recordings" in out.stderr

    client = MlflowClient(f"sqlite:///{project / '.hawkeye' / 'mlflow.db'}")
    (mlrun,) = top_level_runs(client, "clinic-vlm")
    m = mlrun.data.metrics
    assert m["model_coverage"] == 1.0  # every answer parsed
    assert m["model_exact_acc"] == pytest.approx(1 / 6, abs=1e-9)  # "3" is right once in six
    assert "baseline_mean_mae" in m and mlrun.data.params["model"] == "vlm"
    version = client.get_model_version("clinic-vlm", "1")
    assert version.tags["hawkeye.remote_frames"] == "False"
    assert version.tags["gate.decision"] in ("champion", "challenger")
