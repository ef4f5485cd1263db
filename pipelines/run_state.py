"""ZenML side of the stale-run sweep (see hawkeye.tracking.stale): pipeline runs left
``running`` by a process that died are marked failed with the reason."""

from __future__ import annotations

from zenml.client import Client
from zenml.enums import ExecutionStatus
from zenml.models import PipelineRunUpdate

from hawkeye.tracking.stale import TAG_HOST, TAG_PID, dead_here


def sweep_zenml() -> list[str]:
    """Mark failed every running pipeline run whose recorded process here is gone."""
    client = Client()
    closed = []
    for status in (ExecutionStatus.RUNNING, ExecutionStatus.INITIALIZING):
        for run in client.list_pipeline_runs(status=status, size=200).items:
            marks = [s.run_metadata for s in run.steps.values()]
            if any(dead_here(str(m.get(TAG_PID, "")), m.get(TAG_HOST)) for m in marks):
                client.zen_store.update_run(
                    run.id,
                    PipelineRunUpdate(
                        status=ExecutionStatus.FAILED,
                        status_reason="its process died; marked failed by the stale-run sweep",
                    ),
                )
                closed.append(run.name)
    return closed
