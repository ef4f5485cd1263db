"""A model trained on real clinical data (PARK) scores real pixels, and says how far to trust it.

One PARK run (a fifth of the participants held out) serves every check: `hawkeye predict` on
a real webcam tapping clip and on a whole-body clip, `hawkeye evaluate` on the held-out
participants as an external set, and `hawkeye adapt` with a fifth of those.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from hawkeye.data.park import participant_id
from tests.conftest import isolated_env, run, top_level_runs

pytestmark = [pytest.mark.slow, pytest.mark.real_data]
MODEL = "models:/finger_tapping-park-internal@champion"
EXTERNAL = "pipelines/configs/external"


def _predict(project: Path, env: dict, video: Path) -> tuple[int, dict]:
    out = project / f"{video.stem}.json"
    proc = subprocess.run(
        ["hawkeye", "predict", str(video), "--model", MODEL, "--out", str(out)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.is_file(), proc.stderr[-3000:]
    return proc.returncode, json.loads(out.read_text())


def test_park_model_scores_real_video_with_applicability_and_external_figures(
    project: Path, shared_data: Path
) -> None:
    from mlflow.tracking import MlflowClient

    clip = shared_data / "clips" / "tapping_webcam_raiyan_test4.mov"
    body = shared_data / "videos" / "ntu_S001C001P001R001A001_rgb.avi"
    table = shared_data / "park_finger_tapping" / "fingertapping_features.csv"
    for path in (clip, body, table):
        if not path.is_file():
            pytest.skip(f"{path} is absent")
    env = isolated_env(project) | {"HAWKEYE_SHARED_DATA": str(shared_data)}
    trained = run(["hawkeye", "run", "park_internal"], project, env)
    park = pd.read_csv(table)
    everyone = {participant_id(f) for f in park["filename"]}
    assert "408 recordings, 107 subjects" in trained.stderr  # 489 - the 81 held out
    # The real table carries a real signal, well clear of the mean predictor (~0.82 MAE).
    client = MlflowClient(f"sqlite:///{project / '.hawkeye' / 'mlflow.db'}")
    (mlrun,) = top_level_runs(client, "finger_tapping-park-internal")
    m = mlrun.data.metrics
    assert m["model_mae"] < m["baseline_mean_mae"] - 0.1 and m["model_pearson"] > 0.5

    # A real tapping close-up (1920x1080, 30.4 fps, 2.8 s): scored, with interval and verdict.
    code, report = _predict(project, env, clip)
    assert code == 0 and report["status"] == "scored", report
    assert report["recording"]["frame_size"] == [1920, 1080]
    assert 2.7 < report["recording"]["duration_s"] < 2.9  # 84 frames at 30.36 fps
    assert report["task_signs"]["other_fingers_motion_ratio"] < 0.5  # thumb and index move
    assert 0 <= report["interval"]["low"] <= report["score"] <= report["interval"]["high"] <= 4
    assert "90%" in report["interval"]["note"]
    verdict = report["applicability"]
    assert verdict["verdict"] in ("inside", "flagged") and isinstance(verdict["reasons"], list)
    taps = next(c for c in verdict["conditions"] if c["name"] == "taps")
    assert taps["value"] >= 3  # a few taps, counted by PARK's own peak rule
    assert report["features"]["num_peaks_denoised"] == taps["value"]
    assert report["model"]["trained_on"]["dataset"] == "park_internal"
    assert report["model"]["trained_on"]["synthetic"] is False
    assert report["model"]["out_of_fold"]["mae"] < report["model"]["baselines"]["mean.mae"]

    # A whole body in a room, no hand close-up: refused, with the reason, exit 3.
    code, report = _predict(project, env, body)
    assert code == 3 and report["status"] == "refused" and "hands found" in report["reason"]

    # The held-out participants as an external set, logged as an evaluation of version 1.
    out = run(
        ["hawkeye", "evaluate", f"{EXTERNAL}/park_heldout.yaml", "--model", MODEL], project, env
    )
    assert "81 of 81 recordings scored" in out.stderr
    client = MlflowClient(f"sqlite:///{project / '.hawkeye' / 'mlflow.db'}")
    name = "finger_tapping-park-internal"
    tags = client.get_model_version(name, "1").tags
    ext = client.get_run(tags["external.park_heldout.run_id"])
    assert ext.data.tags["hawkeye.evaluation_of"] == f"{name}/1"
    m = ext.data.metrics
    # The external mean baseline knows the held-out labels: worked out here from its table.
    local = client.download_artifacts(ext.info.run_id, "external/predictions.csv", str(project))
    scored = pd.read_csv(local)
    assert len(scored) == 81 and len(park) == 408 + 81
    assert not {participant_id(f) for f in scored["sample_id"]} - everyone
    y = scored["label"].to_numpy(float)
    assert m["external_mean_mae"] == pytest.approx(abs(y - y.mean()).mean(), rel=1e-6)
    assert m["model_mae"] < m["baseline_mean_mae"]
    assert float(tags["external.park_heldout.mae"]) == pytest.approx(m["model_mae"], rel=1e-4)

    # A fifth of them adapts the model; the new version names its base and data.
    run(
        [
            "hawkeye",
            "adapt",
            f"{EXTERNAL}/park_heldout_adapt.yaml",
            "--model",
            MODEL,
            "--folds",
            "3",
        ],
        project,
        env,
    )
    v2 = client.get_model_version(name, "2").tags
    assert v2["lineage.base_version"] == "1"
    assert v2["lineage.adaptation_data"].startswith("park_heldout_adapt")
    listed = run(["hawkeye", "models", "list"], project, env).stdout
    assert "park_heldout" in listed and "xgboost" in listed
