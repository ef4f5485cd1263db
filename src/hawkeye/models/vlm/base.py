"""What every zero-shot video scorer shares: frames, the rubric prompt, parsing, statuses.

``fit`` learns nothing: it records the label range. Every video gets a row in
``predict_details`` with the raw answer and a status; a score that cannot be
read is NaN, never a crash. Subclasses (:mod:`hawkeye.models.vlm.local`,
:mod:`hawkeye.models.vlm.api`) say how a model is reached and asked.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin

from hawkeye.models.base import ZeroShotMixin
from hawkeye.models.vlm.answers import parse_score
from hawkeye.models.vlm.frames import SampledFrames, VideoError, sample_frames
from hawkeye.models.vlm.rubrics import build_prompt, check_label_range
from hawkeye.paths import resolve_data_path

log = logging.getLogger(__name__)

VIDEO_ERROR = "video_error"
STATUSES = ("ok", "out_of_range", "unparsable", VIDEO_ERROR)
DETAIL_COLUMNS = [
    "sample_id",
    "source",
    "task",
    "n_frames",
    "answer",
    "parsed",
    "score",
    "status",
    "error",
    "seconds",
]


def summarize_details(details: pd.DataFrame) -> dict[str, float]:
    """Run-level figures of a ``predict_details`` frame: coverage and a count per status.

    ``coverage`` is the share of videos that got a score; metrics computed on
    the scored videos alone mean little without it beside them.
    """
    n = len(details)
    counts = Counter(details["status"])
    summary: dict[str, float] = {"n_videos": float(n)}
    summary |= {f"status_{s}": float(counts.get(s, 0)) for s in STATUSES}
    summary["coverage"] = counts.get("ok", 0) / n if n else float("nan")
    return summary


class VideoScorer(ZeroShotMixin, RegressorMixin, BaseEstimator):
    """What every video scorer shares: the no-op fit, frame sampling, prompting and parsing.

    Subclasses implement ``_prepare`` (load a model, check permissions) and
    ``_answer`` (frames + prompt -> the model's text).
    """

    task: str
    n_frames: int
    max_side: int | None
    min_label: int
    max_label: int

    def fit(self, X: pd.DataFrame, y: np.ndarray | None = None) -> VideoScorer:
        """Nothing to learn zero-shot; records the label range the answers are checked against."""
        check_label_range(self.task, self.min_label, self.max_label)
        self.label_range_ = (self.min_label, self.max_label)
        self.feature_names_in_ = np.asarray(["source"], dtype=object)  # the video paths
        if y is not None:
            y = np.asarray(y, dtype=float)
            outside = int(np.sum((y < self.min_label) | (y > self.max_label)))
            if outside:
                log.warning(
                    "%d training label(s) outside %d-%d", outside, self.min_label, self.max_label
                )
        return self

    def _tasks(self, X: pd.DataFrame) -> list[str]:
        if "source" not in X.columns:
            raise ValueError(f"{type(self).__name__} needs a 'source' column of video paths")
        tasks = X["task"].astype(str).tolist() if "task" in X.columns else [self.task] * len(X)
        for task in sorted(set(tasks)):
            check_label_range(task, self.min_label, self.max_label)
        return tasks

    def _prepare(self) -> None:
        raise NotImplementedError

    def _answer(self, frames: SampledFrames, prompt: str) -> str:
        raise NotImplementedError

    def _redact(self, text: str) -> str:
        return text

    def predict_details(self, X: pd.DataFrame) -> pd.DataFrame:
        """One row a video: raw answer, number read, score (NaN unless ``ok``), status, error."""
        tasks = self._tasks(X)
        self._prepare()
        rows = []
        ids = X["sample_id"].astype(str).tolist() if "sample_id" in X.columns else [None] * len(X)
        for sample_id, source, task in zip(ids, X["source"].astype(str), tasks, strict=True):
            start = time.perf_counter()
            row: dict[str, Any] = {"sample_id": sample_id, "source": source, "task": task}
            try:
                frames = sample_frames(resolve_data_path(source), self.n_frames, self.max_side)
            except VideoError as exc:
                log.warning("%s: %s", type(self).__name__, exc)
                row |= {
                    "n_frames": 0,
                    "answer": "",
                    "parsed": math.nan,
                    "score": math.nan,
                    "status": VIDEO_ERROR,
                    "error": str(exc),
                }
            else:
                prompt = build_prompt(task, frames.times_s, self.min_label, self.max_label)
                answer = self._redact(self._answer(frames, prompt))
                parsed = parse_score(answer, self.min_label, self.max_label)
                row |= {
                    "n_frames": len(frames.images),
                    "answer": answer,
                    "parsed": parsed.value,
                    "score": parsed.score,
                    "status": parsed.status,
                    "error": "",
                }
            row["seconds"] = time.perf_counter() - start
            log.debug("%s %s: %s %r", type(self).__name__, source, row["status"], row["answer"])
            rows.append(row)
        details = pd.DataFrame(rows, columns=DETAIL_COLUMNS, index=X.index)
        counts = Counter(details["status"])
        log.info(
            "%s scored %d video(s): %s",
            type(self).__name__,
            len(details),
            ", ".join(f"{s} {counts[s]}" for s in STATUSES if counts[s]) or "none",
        )
        return details

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Scores in ``[min_label, max_label]``, NaN where the answer gave none."""
        return self.predict_details(X)["score"].to_numpy(dtype=float)

    @staticmethod
    def frame_captions(frames: SampledFrames) -> list[str]:
        return [f"Frame {k + 1} ({t:.1f} s):" for k, t in enumerate(frames.times_s)]
