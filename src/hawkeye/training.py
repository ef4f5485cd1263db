"""Cross-validated training: out-of-fold predictions for every recording, baselines alike."""

from __future__ import annotations

import inspect
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from hawkeye import segments as seg
from hawkeye.config import ModelConfig
from hawkeye.evaluation.metrics import nullable_label
from hawkeye.features.table import feature_columns
from hawkeye.fold_checkpoints import FoldStore, training_key
from hawkeye.models.base import is_one_class, one_class_outputs
from hawkeye.models.registry import FRAME_WISE, build_model, spec
from hawkeye.trust import describe_training


@dataclass
class TrainResult:
    model: Any  # refit on every recording (or the zero-shot scorer): what gets registered
    predictions: pd.DataFrame  # out-of-fold: what gets evaluated
    fit_seconds: float
    resumed_folds: list[int] = field(default_factory=list)  # read back from a checkpoint


class _Folds:
    """The fold loop's checkpoint hooks: a :class:`FoldStore` when a folder is given."""

    def __init__(
        self,
        folder: Path | None,
        cfg: ModelConfig,
        data: pd.DataFrame,
        only: Sequence[int] | None = None,
    ) -> None:
        self.store = FoldStore(folder, training_key(cfg, data)) if folder else None
        self.resumed: list[int] = []
        # Some folds only, no final fit: one array task of a fan-out (fit_folds_task).
        self.only = None if only is None else {int(k) for k in only}
        if self.only is not None and self.store is None:
            raise ValueError("training some folds only needs a checkpoint folder to keep them")
        all_folds = sorted(int(k) for k in data["fold"].unique() if k >= 0)  # -1: train only
        self.test_folds = [k for k in all_folds if self.only is None or k in self.only]
        # Sequence nets also checkpoint their epochs, so a fold stopped mid-way resumes.
        self.nets = "checkpoint_dir" in spec(cfg.name).defaults and not cfg.params.get(
            "checkpoint_dir"
        )

    def done(self, k: int) -> pd.DataFrame | None:
        saved = self.store.load(k) if self.store else None
        if saved is not None:
            self.resumed.append(int(k))  # plain ints: they go into JSON metadata
        return saved

    def partial(self, out: list[pd.DataFrame], start: float) -> TrainResult | None:
        """The result of a some-folds-only call (no final model), else None."""
        if self.only is None:
            return None
        frame = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
        return TrainResult(None, frame, time.perf_counter() - start, self.resumed)

    def save(self, k: int, frame: pd.DataFrame) -> pd.DataFrame:
        if self.store:
            self.store.save(k, frame)
        return frame

    def config(self, cfg: ModelConfig, fit: str) -> ModelConfig:
        """``cfg`` with the fit's own epoch-checkpoint folder, for a sequence net."""
        if not (self.store and self.nets):
            return cfg
        folder = str(self.store.fit_folder(fit))
        return cfg.model_copy(update={"params": {**cfg.params, "checkpoint_dir": folder}})


def _fold_frame(
    test: pd.DataFrame,
    k: int,
    y_train: np.ndarray,
    score: np.ndarray,
    min_label: int,
    max_label: int,
    **extra: Any,
) -> pd.DataFrame:
    """Out-of-fold rows with both baselines fitted on the fold's training labels.

    ``extra`` adds columns: a one-class model's ``anomaly_score`` and ``normal_label``.
    """
    values, counts = np.unique(y_train, return_counts=True)
    predicted = nullable_label(score, min_label, max_label)  # NA: no usable zero-shot answer
    return pd.DataFrame(
        {
            "sample_id": test["sample_id"].to_numpy(),
            "subject_id": test["subject_id"].to_numpy(),
            "fold": k,
            "label": test["label"].to_numpy(),
            "score": score,
            "predicted": predicted,
            "baseline_majority": float(values[np.argmax(counts)]),
            "baseline_mean": float(y_train.mean()),
            **extra,
        }
    )


def _fit(model: Any, X: pd.DataFrame, y: np.ndarray, subjects: pd.Series) -> Any:
    """``model.fit(X, y)``, with ``groups=subjects`` for a model whose fit takes them (an
    ensemble's stacking keeps each subject in one inner fold, as the outer folds do)."""
    if "groups" in inspect.signature(model.fit).parameters:
        return model.fit(X, y, groups=subjects.to_numpy())
    return model.fit(X, y)


def cross_validate(
    table: pd.DataFrame,
    split: pd.DataFrame,
    cfg: ModelConfig,
    min_label: int = 0,
    max_label: int = 4,
    task: str = "finger_tapping",
    segment_track: str | None = None,
    checkpoint: Path | None = None,
    only_folds: Sequence[int] | None = None,
) -> TrainResult:
    """Fit one model per fold and score its held-out subjects.

    The majority-class and mean-predictor baselines are fitted on the same
    training folds, so "beats the baseline" compares like with like. A frame-wise model
    (``task: segments``) scores every frame instead (:func:`_frame_wise`). With a
    ``checkpoint`` folder, finished folds are kept there and a second call with the same
    configuration and data reads them back instead of training them again
    (:mod:`hawkeye.fold_checkpoints`; ``resumed_folds`` says which). ``only_folds``
    trains those folds into the checkpoint and stops (no final fit, ``model`` None): one
    task of a fan-out (:func:`fit_folds_task`), whose step then reads every fold back.
    """
    data = table.merge(split[["sample_id", "fold"]], on="sample_id", how="inner", validate="1:1")
    if len(data) != len(table):
        raise ValueError(
            f"split covers {len(data)} of {len(table)} recordings; re-run the split step"
        )
    model_spec = spec(cfg.name)
    if model_spec.zero_shot:
        return _zero_shot(data, cfg, task, min_label, max_label)
    folds = _Folds(checkpoint, cfg, data, only_folds)
    if model_spec.kind == FRAME_WISE:
        return _frame_wise(data, cfg, task, min_label, max_label, segment_track, folds)
    # Sequence models read the landmark files (`source`, `layout`, `fps`) and hold out validation
    # subjects (`subject_id`): they get whole rows, not feature columns.
    whole_rows = model_spec.inputs == "sequences"
    features = list(table.columns) if whole_rows else feature_columns(table)
    out = []
    start = time.perf_counter()
    for k in tqdm(folds.test_folds, desc=f"{cfg.name} folds", unit="fold", leave=False):
        if (saved := folds.done(k)) is not None:
            out.append(saved)
            continue
        train, test = data[data["fold"] != k], data[data["fold"] == k]
        y_train = train["label"].to_numpy()
        model = build_model(folds.config(cfg, f"fold{k}"), task, min_label, max_label)
        _fit(model, train[features], y_train, train["subject_id"])
        if is_one_class(model):  # evaluate ranks the anomaly score and counts the decision
            anomaly, score = one_class_outputs(model, test[features])
            extra = {"anomaly_score": anomaly, "normal_label": model.normal_}
        else:
            score, extra = model.predict(test[features]), {}
        if hasattr(model, "group_of"):  # one model a group: evaluate adds per-group figures
            extra["group"] = model.group_of(test[features])
        frame = _fold_frame(test, k, y_train, score, min_label, max_label, **extra)
        out.append(folds.save(k, frame))
    if (partial := folds.partial(out, start)) is not None:
        return partial
    final = build_model(folds.config(cfg, "final"), task, min_label, max_label)
    _fit(final, data[features], data["label"].to_numpy(), data["subject_id"])
    predictions = pd.concat(out, ignore_index=True)
    # What the final model knows of its training inputs: applicability, interval, labels.
    final = describe_training(
        final, data, features, predictions, task, cfg.applicability.model_dump()
    )
    return TrainResult(final, predictions, time.perf_counter() - start, folds.resumed)


def _zero_shot(
    data: pd.DataFrame, cfg: ModelConfig, task: str, min_label: int, max_label: int
) -> TrainResult:
    """A scorer that learns nothing answers once per video; folds only place the baselines."""
    if "source" not in data.columns:
        raise ValueError("a zero-shot video scorer needs the recordings' video paths (`source`)")
    start = time.perf_counter()
    scorer = build_model(cfg, task, min_label, max_label).fit(data, data["label"].to_numpy())
    details = scorer.predict_details(data)
    out = []
    for k in sorted(data["fold"].unique()):
        if k < 0:
            continue
        test_mask = (data["fold"] == k).to_numpy()
        y_train = data.loc[~test_mask, "label"].to_numpy()
        frame = _fold_frame(
            data[test_mask],
            k,
            y_train,
            details["score"].to_numpy()[test_mask],
            min_label,
            max_label,
        )
        out.append(
            frame.assign(
                status=details["status"].to_numpy()[test_mask],
                answer=details["answer"].astype(str).to_numpy()[test_mask],
            )
        )
    return TrainResult(scorer, pd.concat(out, ignore_index=True), time.perf_counter() - start)


def _frame_wise(
    data: pd.DataFrame,
    cfg: ModelConfig,
    task: str,
    min_label: int,
    max_label: int,
    track: str | None,
    folds: _Folds,
) -> TrainResult:
    """Segment tasks: one row a frame of every held-out recording (the frame predictions of
    :mod:`hawkeye.evaluation.predictions`), beside the majority class of the fold's frames.

    The class list (background first) is read from every recording's segments once, so
    each fold's model numbers the classes alike; ``params.classes`` fixes it instead. The
    predictions are smoothed as the registered model's ``predict_segments`` smooths them,
    so evaluation scores what a user gets.
    """
    rows = seg.in_frames(data, track)
    classes = cfg.params.get("classes") or seg.class_names(
        seg.row_segments(row) for _, row in rows.iterrows()
    )
    cfg = cfg.model_copy(update={"params": {**cfg.params, "classes": list(classes)}})
    start = time.perf_counter()
    out = []
    for k in tqdm(folds.test_folds, desc=f"{cfg.name} folds", unit="fold", leave=False):
        if (saved := folds.done(k)) is not None:
            out.append(saved)
            continue
        train, test = rows[rows["fold"] != k], rows[rows["fold"] == k]
        model = build_model(cfg, task, min_label, max_label).fit(train, None)
        majority = int(np.argmax(model.class_counts_))
        fold_frames = []
        for (_, row), predicted in zip(test.iterrows(), model.predict_smoothed(test), strict=True):
            truth = seg.frame_targets(seg.row_segments(row), len(predicted), classes)
            fold_frames.append(
                pd.DataFrame(
                    {
                        "sample_id": row["sample_id"],
                        "subject_id": row["subject_id"],
                        "fold": k,
                        "frame": np.arange(len(predicted)),
                        "label": truth,
                        "predicted": predicted,
                        "baseline_majority": majority,
                    }
                )
            )
        out.append(folds.save(k, pd.concat(fold_frames, ignore_index=True)))
    if (partial := folds.partial(out, start)) is not None:
        return partial
    final = build_model(cfg, task, min_label, max_label).fit(rows, None)
    seconds = time.perf_counter() - start
    return TrainResult(final, pd.concat(out, ignore_index=True), seconds, folds.resumed)


def fit_folds_task(
    inputs: str,
    model_json: str,
    folds: list[int],
    checkpoint: str,
    min_label: int,
    max_label: int,
    task: str,
    segment_track: str | None = None,
) -> dict[str, Any]:
    """One array task of a cross-validation fanned out (SLURM): ``folds`` of the table and
    split pickled at ``inputs`` trained into the shared ``checkpoint`` FoldStore. Plain,
    picklable arguments; a fold another attempt finished is read back, not trained again."""
    table, split = pd.read_pickle(inputs)
    cfg = ModelConfig.model_validate_json(model_json)
    result = cross_validate(
        table,
        split,
        cfg,
        min_label,
        max_label,
        task,
        segment_track,
        checkpoint=Path(checkpoint),
        only_folds=folds,
    )
    trained = [k for k in folds if k not in result.resumed_folds]
    return {"folds": folds, "trained": trained, "seconds": result.fit_seconds}
