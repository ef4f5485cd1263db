"""What the array watcher reads from scontrol, and how array settings take the site's defaults.

The lines are scontrol 22.05's own (``scontrol show job --oneliner <array id>`` on the
single-node cluster, cut to the fields read); the arrays themselves run in
tests/integration/test_slurm_array.py.
"""

from __future__ import annotations

import pytest

pytest.importorskip("submitit", reason="submitit is not installed (pip install -e '.[hpc]')")

from hawkeye.landmarks.batch import ShardItem, shards
from stacks.slurm.array import ArraySettings
from stacks.slurm.cluster import parse_scontrol_jobs

RUNNING = (
    "JobId=44 ArrayJobId=41 ArrayTaskId=2 ArrayTaskThrottle=2 JobName=wrap JobState=RUNNING "
    "Reason=None ExitCode=0:0 SubmitTime=2026-12-01T18:50:01 StartTime=2026-12-01T18:50:05\n"
    "JobId=43 ArrayJobId=41 ArrayTaskId=1 ArrayTaskThrottle=2 JobName=wrap JobState=CANCELLED "
    "Reason=None ExitCode=0:15 SubmitTime=2026-12-01T18:50:01 StartTime=2026-12-01T18:50:01\n"
    "JobId=42 ArrayJobId=41 ArrayTaskId=0 ArrayTaskThrottle=2 JobName=wrap JobState=COMPLETED "
    "Reason=None ExitCode=0:0 SubmitTime=2026-12-01T18:50:01 StartTime=2026-12-01T18:50:01\n"
)
PENDING = (
    "JobId=41 ArrayJobId=41 ArrayTaskId=3-5,7%2 ArrayTaskThrottle=2 JobName=wrap "
    "JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0\n"
)


def test_every_task_of_an_array_gets_its_own_state() -> None:
    jobs = parse_scontrol_jobs(PENDING + RUNNING)
    assert {k: v["State"] for k, v in jobs.items()} == {
        "41_0": "COMPLETED",
        "41_1": "CANCELLED",
        "41_2": "RUNNING",
        "41_3": "PENDING",
        "41_4": "PENDING",
        "41_5": "PENDING",
        "41_7": "PENDING",
    }
    assert jobs["41_2"]["StartTime"] == "2026-12-01T18:50:05"


def test_a_plain_job_keeps_its_id() -> None:
    (job,) = parse_scontrol_jobs("JobId=12 JobName=x JobState=COMPLETED ExitCode=0:0\n").items()
    assert job[0] == "12" and job[1]["State"] == "COMPLETED"


def test_array_settings_take_what_they_leave_unset_from_the_operator() -> None:
    from stacks.slurm.flavor import SlurmStepOperatorConfig

    operator = SlurmStepOperatorConfig(
        partition="cpu",
        account="lab42",
        setup=["module load ffmpeg"],
        sbatch_options=["--constraint=avx2"],
    )
    own = ArraySettings(partition="short", sbatch_options=["--exclusive"])
    merged = own.with_site_defaults(operator)
    assert merged.partition == "short" and merged.account == "lab42" and merged.qos is None
    assert merged.setup == ["module load ffmpeg"] and merged.sbatch_options == ["--exclusive"]
    with pytest.raises(ValueError, match="sbatch_options"):
        ArraySettings(sbatch_options=["constraint=x"])


def test_shards_are_consecutive_and_cover_every_item() -> None:
    items = [ShardItem(f"k{i}", f"v{i}.mp4") for i in range(7)]
    parts = shards(items, 3)
    assert [len(p) for p in parts] == [3, 3, 1]
    assert [i for p in parts for i in p] == items
    with pytest.raises(ValueError):
        shards(items, 0)
