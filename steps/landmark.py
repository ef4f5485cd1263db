"""landmark: landmark sequences -> one feature row a recording (a no-op for feature tables).

Videos missing from the content-hash cache are landmarked by the process pool here, or, on a
stack whose step operator is SLURM, as a SLURM job array (``stacks/slurm/array.py``): the
uncached videos in shards of ``shard_size``, one array task a shard, at most
``max_parallel`` at once (``--array=0-N%P``), each task writing into the shared cache; tasks
that do not complete are resubmitted alone, up to ``retries`` times. Set it per run
configuration under the step's ``extra``::

    steps:
      landmark:
        extra:
          slurm_array: {shard_size: 4, max_parallel: 8, retries: 2, mem: 2G, time_limit_min: 30}

(``enabled: false`` keeps the pool on a SLURM stack; see ``ArraySettings`` for the rest.)
"""

import time
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
from zenml import get_step_context, log_metadata, step
from zenml.logger import get_logger

from hawkeye.config import DatasetConfig, LandmarkConfig
from hawkeye.features.extract import build_features
from hawkeye.landmarks.batch import ShardItem, landmark_shard, shards
from hawkeye.landmarks.cache import LandmarkCache
from steps.cache import DOMAIN_CACHE
from steps.run_state import mark_process
from steps.slurm_array import EXTRA_KEY, step_array

if TYPE_CHECKING:
    from stacks.slurm.array import SlurmArray

logger = get_logger(__name__)


class SlurmLandmarkFanout:
    """The landmark batch's :class:`~hawkeye.landmarks.batch.Fanout` as a SLURM job array.

    Each task runs :func:`~hawkeye.landmarks.batch.landmark_shard` on its shard. A task
    that never completes, after its retries, leaves its unfinished videos as failures
    (quarantined with the reason); what it finished is in the cache either way.
    """

    def __init__(self, array: "SlurmArray") -> None:
        self.array = array
        self.report: dict[str, Any] = {}

    def __call__(
        self, items: list[ShardItem], cfg: LandmarkConfig, cache: LandmarkCache
    ) -> dict[str, str]:
        pieces = shards(items, self.array.settings.shard_size)
        payload = cfg.model_dump_json()
        start = time.time()
        records = self.array.run(landmark_shard, [(p, payload, str(cache.root)) for p in pieces])
        wall = time.time() - start
        failed: dict[str, str] = {}
        rows = []
        for record, piece in zip(records, pieces, strict=True):
            last = record.attempts[-1]
            row: dict[str, Any] = {
                "shard": record.index,
                "recordings": len(piece),
                "task_ids": [a.task_id for a in record.attempts],
                "states": [a.state for a in record.attempts],
                "attempts": len(record.attempts),
                "host": last.host,
                "queue_s": last.queue_s,
                "launch_s": last.launch_s,
                "startup_s": last.startup_s,
                "node_s": last.node_s,
                "cpu_s": record.task.get("cpu_s"),
                "startup_cpu_s": record.task.get("startup_cpu_s"),
            }
            if record.ok:
                result = record.result
                failed.update(result["failed"])
                row |= {
                    "done": len(result["done"]),
                    "cached": len(result["cached"]),
                    "failed": len(result["failed"]),
                    "frames": result["frames"],
                    "seconds": round(sum(result["seconds"].values()), 3),
                }
            else:
                lost = [i.key for i in piece if cache.get(i.key) is None]
                reason = (
                    f"SLURM array task {last.task_id} ended {last.state} after "
                    f"{len(record.attempts)} attempt(s); re-run to retry (videos it finished "
                    "are cached)"
                )
                failed |= dict.fromkeys(lost, reason)
                row |= {"done": len(piece) - len(lost), "cached": 0, "failed": len(lost)}
            rows.append(row)
            logger.info(
                "landmark shard %s: tasks %s (%s), %s recordings: %s done, %s cached, "
                "%s failed, %s s",
                row["shard"],
                ",".join(row["task_ids"]),
                ",".join(row["states"]),
                row["recordings"],
                row["done"],
                row["cached"],
                row["failed"],
                row.get("seconds", "-"),
            )
        self.report = {
            "recordings": len(items),
            "shards": len(pieces),
            "tasks": sum(len(r.attempts) for r in records),
            "retried_shards": sum(len(r.attempts) > 1 for r in records),
            "wall_seconds": round(wall, 3),
            "submissions": self.array.describe(),
            "per_shard": rows,
        }
        return failed


def slurm_fanout(extra: dict[str, Any], run_id: str) -> "SlurmLandmarkFanout | None":
    """The array fan-out when the active stack runs steps on SLURM; None for the pool."""
    array = step_array("landmark", extra, run_id, logger.info)
    return None if array is None else SlurmLandmarkFanout(array)


@step(cache_policy=DOMAIN_CACHE)
def landmark(
    manifest: pd.DataFrame, dataset: DatasetConfig, landmarks: bool = True
) -> tuple[Annotated[pd.DataFrame, "features"], Annotated[pd.DataFrame, "landmark_quarantine"]]:
    """``landmarks=False`` for zero-shot video scorers, which need the videos, not landmarks."""
    mark_process()
    fanout = None
    if landmarks and dataset.kind == "videos":
        context = get_step_context()
        extra = context.step_run.config.extra.get(EXTRA_KEY) or {}
        fanout = slurm_fanout(extra, str(context.pipeline_run.id))
    result = build_features(manifest, dataset, landmarks, fanout=fanout)
    metadata: dict[str, Any] = {
        "recordings": len(result.features),
        "quarantined": len(result.quarantine),
        "landmark_fanout": "slurm_array" if fanout is not None else "process_pool",
    }
    if fanout is not None and fanout.report:
        metadata["landmark_array"] = fanout.report
    log_metadata(metadata=metadata)
    return result.features, result.quarantine
