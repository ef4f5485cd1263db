"""API keys come from ZenML secrets into the environment, never into configs or MLflow params."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import isolated_env, run

pytestmark = pytest.mark.slow

SCRIPT = """
import os
from zenml.client import Client
Client().create_secret("vlm", values={"key": "s3cr3t-planted"})
from hawkeye.config import ModelConfig
from steps.train import _with_secret
cfg = _with_secret(ModelConfig(name="vlm_api", params={"api_key_secret": "vlm.key",
                                                      "provider": "openai", "model": "m"}))
assert os.environ["HAWKEYE_API_KEY"] == "s3cr3t-planted"
assert "s3cr3t" not in repr(cfg) and "api_key_secret" not in cfg.params
assert cfg.params["api_key_env"] == "HAWKEYE_API_KEY"
print("ok")
"""


def test_zenml_secret_reaches_the_scorer_only_through_the_environment(project: Path) -> None:
    env = isolated_env(project)
    run(["hawkeye", "stack", "up", "local"], project, env)
    out = run([sys.executable, "-c", SCRIPT], project, env)
    assert out.stdout.strip().endswith("ok")
