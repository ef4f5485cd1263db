"""A planted API key, held in a ZenML secret, reaches the API and nowhere else.

The whole training pipeline runs a remote-API scorer (a stub on 127.0.0.1) whose key
comes from a ZenML secret; afterwards the key must appear in no console output, no
ZenML step log, step configuration or metadata, and no MLflow param, tag or artifact.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import isolated_env, run
from tests.stub_api import serve_stub
from tests.tiny_vlm import write_clinic

pytestmark = pytest.mark.slow
PLANTED = "PLANTED-k3y-7f3a9c1e"

STEP_RECORDS = """
import json
from zenml.client import Client
run = Client().list_pipeline_runs(sort_by="desc:created", size=1).items[0]
out = []
for name, step in run.steps.items():
    out.append(json.dumps({"config": step.config.model_dump(mode="json"),
                           "metadata": {k: str(v) for k, v in step.run_metadata.items()}}))
print("\\n".join(out))
"""


def _files_containing(root: Path, needle: bytes, skip: Path) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and skip not in path.parents and needle in path.read_bytes():
            hits.append(str(path.relative_to(root)))
    return hits


def test_planted_secret_does_not_leak(project: Path) -> None:
    env = isolated_env(project) | {
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    run(["hawkeye", "stack", "up", "local"], project, env)
    run(["zenml", "secret", "create", "vlmkey", f"--key={PLANTED}"], project, env)

    data = write_clinic(project, n_frames=6)

    with serve_stub() as (stub, url):
        params = {
            **data,
            "model": {
                "name": "vlm_api",
                "params": {
                    "provider": "openai",
                    "model": "stub-vlm",
                    "base_url": f"{url}/v1",
                    "api_key_secret": "vlmkey.key",
                    "allow_remote_frames": True,
                    "n_frames": 2,
                },
            },
            "registry": {"model_name": "clinic-api"},
        }
        config = project / "pipelines" / "configs" / "leak.yaml"
        config.write_text(yaml.safe_dump({"parameters": params}))
        assert PLANTED not in config.read_text()  # the config names the secret, not the key
        out = run(["hawkeye", "run", "leak"], project, env)

    # The key did its job: every request to the API carried it ...
    assert stub.requests and all(
        r["headers"]["authorization"] == f"Bearer {PLANTED}" for r in stub.requests
    )
    # ... and shows up nowhere it should not.
    assert PLANTED not in out.stdout + out.stderr
    state = project / ".hawkeye"
    secret_store = state / "zenml-config"  # where ZenML keeps the secret itself
    assert _files_containing(state, PLANTED.encode(), skip=secret_store) == []  # MLflow db,
    # MLflow artifacts, ZenML artifact store (step logs and outputs)
    records = run([sys.executable, "-c", STEP_RECORDS], project, env).stdout
    assert records.strip() and PLANTED not in records
