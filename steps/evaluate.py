"""evaluate: MAE, accuracies, correlations, F1, confusion PNG, beside the baselines."""

from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import log_metadata, step
from zenml.logger import get_logger

from hawkeye.config import DatasetConfig
from hawkeye.data.quarantine import combine
from hawkeye.evaluation.metrics import evaluate_run, summary_table
from hawkeye.evaluation.registry import names as metric_names
from hawkeye.tracking import log_evaluation, log_quarantine
from steps.cache import DOMAIN_CACHE
from steps.run_state import mark_process

logger = get_logger(__name__)


@step(experiment_tracker=True, cache_policy=DOMAIN_CACHE)
def evaluate(
    predictions: pd.DataFrame,
    folds: pd.DataFrame,
    ingest_quarantine: pd.DataFrame,
    landmark_quarantine: pd.DataFrame,
    dataset: DatasetConfig,
) -> Annotated[dict[str, Any], "report"]:
    mark_process()
    cfg = dataset
    report = evaluate_run(predictions, folds, cfg.min_label, cfg.max_label, cfg.task)
    report["quarantined"] = {"ingest": len(ingest_quarantine), "landmark": len(landmark_quarantine)}
    log_evaluation(report, predictions, report["split_hash"], cfg.min_label, cfg.max_label)
    mlflow.log_metrics({f"quarantined_{k}": v for k, v in report["quarantined"].items()})
    log_quarantine(combine(ingest_quarantine, landmark_quarantine))
    logger.info("Out-of-fold figures:\n%s", summary_table(report))
    headline = report.get("metrics") or metric_names(headline=True)  # a segment task lists its own
    log_metadata(metadata={k: report["pooled"]["model"][k] for k in headline})
    return report
