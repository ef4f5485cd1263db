"""MLflow adapter: with cli.py, the only domain part that reaches outside (docs/ARCHITECTURE.md).

``runs`` logs into the active MLflow run that ZenML's experiment tracker or
the CLI starts; ``registry`` holds the model registry with its aliases.
"""

from hawkeye.tracking.registry import (
    TAG_DATASET,
    TAG_TASK,
    RegistryError,
    compare,
    current_champion,
    list_versions,
    load,
    model_summary,
    promote,
    register_model,
    resolve_version,
)
from hawkeye.tracking.runs import (
    TAG_CODE,
    TAG_COMMIT,
    TAG_DATA,
    TAG_FINGERPRINT,
    TAG_SPLIT,
    default_artifact_root,
    default_tracking_uri,
    ensure_experiment,
    lineage_tags,
    log_evaluation,
    log_model_comparison,
    log_quality,
    log_quarantine,
    log_training_inputs,
    log_trial,
)

__all__ = [
    "TAG_CODE",
    "TAG_COMMIT",
    "TAG_DATA",
    "TAG_DATASET",
    "TAG_FINGERPRINT",
    "TAG_SPLIT",
    "TAG_TASK",
    "RegistryError",
    "compare",
    "current_champion",
    "default_artifact_root",
    "default_tracking_uri",
    "ensure_experiment",
    "lineage_tags",
    "list_versions",
    "load",
    "log_evaluation",
    "log_model_comparison",
    "log_quality",
    "log_quarantine",
    "log_training_inputs",
    "log_trial",
    "model_summary",
    "promote",
    "register_model",
    "resolve_version",
]
