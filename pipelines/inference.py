"""Batch inference: score every video in a folder with a registered model.

Run it as ``zenml pipeline run pipelines.inference.inference_pipeline -c
pipelines/configs/inference.yaml`` or ``hawkeye score FOLDER --model URI``.
"""

from pathlib import Path

from zenml import pipeline

from hawkeye.data.fingerprint import folder_fingerprint
from hawkeye.tracking import resolve_version
from pipelines.stack_info import experiment_settings, tracking_uri
from steps.score import score


@pipeline(enable_cache=True)
def inference_pipeline(videos: str, model: str, side: str | None = None) -> None:
    # Compile time: pin the alias to a version and fingerprint the folder, so that a new
    # champion or a new video misses the cache; runs go to "<model>-inference" in MLflow.
    uri = resolve_version(model, tracking_uri())
    settings = experiment_settings(f"{uri.removeprefix('models:/').split('/')[0]}-inference")
    folder = Path(videos).resolve()
    score.with_options(settings=settings)(
        videos=str(folder), model_uri=uri, side=side, folder_fingerprint=folder_fingerprint(folder)
    )
