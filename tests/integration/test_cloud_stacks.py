"""The cloud-GPU (Modal) and Kubeflow stacks, offline: they register, validate and compile.

Nothing here reaches a cloud. Placeholder ZenML secrets and environment values stand in for
credentials, the S3 bucket's versioning query is answered locally, the pipeline's MLflow
experiment lookup is skipped, and a pre-registered image name stands in for the Docker build.
What is checked: `hawkeye stack up` creates every component and the stack with only secret
references stored, each component's stack validator passes, ZenML creates the pipeline
snapshot (train assigned to the Modal step operator), and the Kubeflow orchestrator's own
compile path writes a KFP v2 pipeline spec. Submission, image builds and GPU runs need the
cloud.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import isolated_env, run

pytestmark = pytest.mark.slow

PLANTED = "s3cr3t-planted"
HAWKEYE = [sys.executable, "-c", "from hawkeye_cli import app; app()"]

SECRETS = f"""
from zenml.client import Client
values = {{
    "hawkeye_aws": {{"aws_access_key_id": "{PLANTED}", "aws_secret_access_key": "{PLANTED}"}},
    "hawkeye_mlflow": {{"token": "{PLANTED}"}},
    "hawkeye_registry": {{"username": "ci", "password": "{PLANTED}"}},
    "hawkeye_kubeflow": {{"username": "ci", "password": "{PLANTED}"}},
}}
for name, secret in values.items():
    Client().create_secret(name, values=secret)
"""

COMPILE = f"""
import json
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, ".")
import zenml
from zenml.client import Client
from zenml.integrations.s3.artifact_stores.s3_artifact_store import S3ArtifactStore
from zenml.models import BuildItem, PipelineBuildBase

# Offline: the S3 store asks whether the bucket is versioned when it is instantiated.
S3ArtifactStore._boto3_bucket = SimpleNamespace(Versioning=lambda: SimpleNamespace(status=None))

stack_name, config, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
client = Client()
client.activate_stack(stack_name)
stack = client.active_stack
stack.validate()
for components in client.active_stack_model.components.values():
    for component in components:
        assert "{PLANTED}" not in repr(component.configuration), component.name
print("validated", stack.name)

import pipelines.stack_info as stack_info
import pipelines.training as training

stack_info.ensure_experiment = lambda *args, **kwargs: "0"  # no MLflow server offline
build = PipelineBuildBase(
    images={{k: BuildItem(image="registry.invalid/hawkeye:offline")
            for k in ("orchestrator", "modal_step_operator")}},
    is_local=False,
    contains_code=True,
    zenml_version=zenml.__version__,
    python_version=f"{{sys.version_info.major}}.{{sys.version_info.minor}}",
)
pipe = training.training_pipeline.with_options(config_path=config, build=build)
snapshot = pipe.create_snapshot(name="offline-" + stack_name)
for name, step in snapshot.step_configurations.items():
    print("step", name, step.config.step_operator, json.dumps(step.config.extra, sort_keys=True))
orchestrator = stack.orchestrator
if orchestrator.flavor == "kubeflow":
    written = []
    orchestrator._upload_and_run_pipeline = (
        lambda snapshot, pipeline_file_path, run_name: written.append(pipeline_file_path)
    )
    orchestrator.submit_pipeline(
        snapshot=snapshot,
        stack=stack,
        base_environment={{}},
        step_environments={{name: {{}} for name in snapshot.step_configurations}},
    )
    out.write_text(Path(written[0]).read_text())
"""


def _cloud_env(project: Path) -> dict[str, str]:
    return isolated_env(project) | {
        "HAWKEYE_S3_PATH": "s3://hawkeye-offline/zenml",
        "HAWKEYE_REGISTRY_URI": "registry.invalid/hawkeye",
        "MLFLOW_TRACKING_URI": "https://mlflow.invalid",
        "KUBEFLOW_HOST": "https://kubeflow.invalid/pipeline",
        "KUBEFLOW_USER_NAMESPACE": "hawkeye",
    }


def _up(project: Path, env: dict[str, str], stack: str) -> str:
    run([sys.executable, "-c", SECRETS], project, env, timeout=120)
    proc = run([*HAWKEYE, "stack", "up", stack], project, env, timeout=120)
    return proc.stdout + proc.stderr


def test_cloud_gpu_stack_registers_validates_and_compiles(project: Path) -> None:
    pytest.importorskip("modal", reason="ZenML's modal integration: install the `cloud` extra")
    pytest.importorskip("s3fs", reason="ZenML's s3 integration: install the `cloud` extra")
    env = _cloud_env(project)
    out = _up(project, env, "cloud-gpu")
    for name in ("hawkeye-s3-artifacts", "hawkeye-modal-operator", "hawkeye-cloud-gpu"):
        assert f"{name}: created" in out, out
    # Idempotent, and secret references pass through unexpanded.
    proc = run([*HAWKEYE, "stack", "up", "cloud-gpu"], project, env, timeout=120)
    again = proc.stdout + proc.stderr
    assert "created" not in again and "updated" not in again, again
    config = project / "pipelines" / "configs" / "cloud_gpu.yaml"
    out = run(
        [sys.executable, "-c", COMPILE, "hawkeye-cloud-gpu", str(config), "unused"],
        project,
        env,
        timeout=180,
    ).stdout
    assert "validated hawkeye-cloud-gpu" in out, out
    assert "step train hawkeye-modal-operator" in out, out
    assert "step ingest None" in out, out


def test_kubeflow_stack_compiles_to_a_kfp_pipeline_spec(project: Path, tmp_path: Path) -> None:
    pytest.importorskip("kfp", reason="ZenML's kubeflow integration: install the `kubeflow` extra")
    pytest.importorskip("s3fs", reason="ZenML's s3 integration: install the `cloud` extra")
    env = _cloud_env(project)
    out = _up(project, env, "kubeflow")
    assert "hawkeye-kubeflow-orchestrator: created" in out, out
    assert "hawkeye-kubeflow: created" in out, out
    spec_path = tmp_path / "kfp.yaml"
    # The demo with the landmark step's SLURM array block: the same run configuration as on
    # a SLURM stack. Kubeflow has no SLURM step operator, so landmark stays one task.
    config = project / "pipelines" / "configs" / "demo_array.yaml"
    config.write_text(
        "steps:\n  landmark:\n    extra:\n      slurm_array: {shard_size: 4, max_parallel: 8}\n"
        "parameters:\n  extends: demo\n"
    )
    out = run(
        [sys.executable, "-c", COMPILE, "hawkeye-kubeflow", str(config), str(spec_path)],
        project,
        env,
        timeout=180,
    ).stdout
    assert "validated hawkeye-kubeflow" in out, out
    array = '{"slurm_array": {"max_parallel": 8, "shard_size": 4}}'
    assert f"step landmark None {array}" in out, out
    spec = yaml.safe_load(spec_path.read_text())
    tasks = spec["root"]["dag"]["tasks"]
    assert set(tasks) == {"ingest", "landmark", "split", "train", "evaluate", "register"}
    assert set(tasks["train"]["dependentTasks"]) == {"landmark", "split"}
    images = {e["container"]["image"] for e in spec["deploymentSpec"]["executors"].values()}
    assert images == {"registry.invalid/hawkeye:offline"}
    assert PLANTED not in spec_path.read_text()
