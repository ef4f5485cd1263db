"""Run configuration: one validated schema for ZenML configs, params.yaml and the CLI.

ZenML passes plain dicts between the YAML run configuration and steps; every
step validates its part here so that a typo in a config fails at the first
step with the field's name rather than deep inside training.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hawkeye.errors import HawkeyeError

# ``dataset.task`` of a frame-level task: frame-wise models, frame predictions, segment metrics.
SEGMENTS_TASK = "segments"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SyntheticConfig(_Strict):
    """Parameters of the embedded synthetic finger-tapping generator."""

    n_subjects: int = Field(24, ge=2)
    sessions: int = Field(1, ge=1, description="recordings per hand and subject")
    fps: float = Field(30.0, gt=0)
    seed: int = 7


# MediaPipe 0.10.21 ships hand_landmark_{lite,full} and pose_landmark_full only.
SHIPPED_COMPLEXITY = {"hands": (0, 1), "pose": (1,)}


class LandmarkConfig(_Strict):
    """MediaPipe extraction and quality control for video datasets.

    Every field that changes what MediaPipe returns is part of the cache key,
    so changing one re-extracts; ``workers`` and ``cache_dir`` are not.
    """

    model: Literal["hands", "pose"] = "hands"
    model_complexity: int = Field(
        1, ge=0, le=2, description="0/1 for hands, 1 for pose (the models the wheel ships)"
    )
    min_detection_confidence: float = Field(0.5, ge=0, le=1)
    min_tracking_confidence: float = Field(0.5, ge=0, le=1)
    mirrored: bool = Field(False, description="selfie video: MediaPipe's handedness applies as is")
    hand_choice: Literal["annotated", "park"] = Field(
        "annotated",
        description="annotated: the annotated side, else the most confident hand; park: PARK's "
        "rule (the annotated side with handedness confidence > 0.9, the larger of two)",
    )
    max_side: int | None = Field(
        960,
        ge=64,
        description="downscale frames whose long side is larger (MediaPipe works at <=256 px)",
    )
    workers: int | None = Field(None, ge=1, description="processes; default: one per CPU core")
    cache_dir: str | None = Field(None, description="default: $HAWKEYE_HOME/landmark-cache")
    min_detection_rate: float = Field(
        0.5, ge=0, le=1, description="below it a video is quarantined"
    )
    max_missing_run_s: float | None = Field(
        None, gt=0, description="quarantine when landmarks are missing longer than this in a row"
    )
    min_decoded_share: float = Field(
        0.95,
        ge=0,
        le=1,
        description="quarantine as truncated when fewer frames decode than this share of what "
        "the container declares",
    )

    @model_validator(mode="after")
    def _shipped_model(self) -> LandmarkConfig:
        """Only models whose weights ship in the mediapipe 0.10.21 wheel: any other
        complexity makes MediaPipe download one at run time, which must never happen."""
        allowed = SHIPPED_COMPLEXITY[self.model]
        if self.model_complexity not in allowed:
            raise ValueError(
                f"model_complexity {self.model_complexity} for {self.model} is not in the "
                f"mediapipe wheel (it would be downloaded); allowed: {list(allowed)}"
            )
        return self


# dataset.format values that are no skeleton format: annotation CSV + .npy/.npz; PARK's table.
BUILTIN_FORMATS = ("hawkeye", "park")


def skeleton_formats() -> tuple[str, ...]:
    """Public skeleton formats (dataset.format): those hawkeye.data.readers registers.

    Asked when a config is validated, not at import: the readers import numpy and pandas.
    """
    from hawkeye.data.readers import registry

    return registry.names()


def __getattr__(name: str) -> Any:  # SKELETON_FORMATS, read from the registry when asked
    if name == "SKELETON_FORMATS":
        return skeleton_formats()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class HoldoutConfig(_Strict):
    """A fixed share of subjects set aside: train on the rest, validate externally on them.

    Subjects are assigned by a hash of ``seed`` and their id, so the same subjects are held
    out on every machine and in every run, whatever the row order.
    """

    share: float = Field(0.2, gt=0, lt=1, description="share of subjects held out")
    seed: int = 0
    keep: Literal["rest", "holdout"] = Field(
        "rest", description="rest: train on the others; holdout: only the held-out subjects"
    )


class DatasetConfig(_Strict):
    """Where a dataset lives and how to read it into the manifest contract."""

    class Layout(_Strict):
        """A joint layout declared in the run configuration, no code: registered under
        ``name`` when the configuration is validated, so a LandmarkSequence accepts it."""

        name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
        joints: list[str] = Field(min_length=1, description="joint names, in array order")
        bones: list[tuple[str, str]] = Field(
            default_factory=list, description="joint-name pairs; the parent tree from root"
        )
        root: str | list[str] | None = Field(
            None, description="joint(s) whose mean is the origin of the motion features"
        )

    class Skeleton(_Strict):
        """How a skeleton_table / skeleton_ts source is read, and what ingest asks of every
        recording of any landmark format (checked there: bad ones are quarantined)."""

        shape: Literal["wide", "long"] = Field(
            "wide",
            description="wide: a row a frame, columns <joint>_<axis>; long: a row a frame "
            "and joint, a joint-name column plus one column an axis",
        )
        frame: str = Field("frame", description="the frame-number column (rows sorted by it)")
        recording: str | None = Field(
            None,
            description="a table holding many recordings: the column whose value is the "
            "annotation's sample_id; unset: one file a recording",
        )
        joint: str = Field("joint", description="long tables: the joint-name column")
        axes: list[str] = Field(
            default_factory=lambda: ["x", "y", "z"],
            min_length=2,
            max_length=3,
            description="coordinate columns (long) or column suffixes (wide); two axes: z = 0",
        )
        fps_column: str | None = Field(None, description="a table column giving the frame rate")
        time_column: str | None = Field(
            None, description="a table column of time stamps in seconds (fps = 1 / median step)"
        )
        channel_order: Literal["joint_major", "axis_major"] = Field(
            "joint_major",
            description=".ts channels: joint_major j1x j1y j1z j2x ...; axis_major j1x j2x ... j1y",
        )
        min_frames: int = Field(2, ge=1, description="shorter recordings are quarantined")
        max_nan_share: float = Field(
            0.5,
            ge=0,
            le=1,
            description="quarantine a recording when more of its frames lack a coordinate",
        )

    name: str
    kind: Literal["landmarks", "feature_table", "videos"]
    path: str = Field(
        description="annotation CSV (landmarks) or feature table; for a skeleton format "
        "(keraal, uiprmd, msr_action3d, natops) its data folder, file or glob; 'shared:' "
        "prefix allowed"
    )
    task: str = Field(
        "finger_tapping",
        description="finger_tapping, gait, motion (a feature set a recording), or segments: "
        "labels in time, one class a frame, for frame-wise models (mstcn, bigru)",
    )
    segment_track: str | None = Field(
        None,
        description="task segments: the annotation track to learn when segments carry one "
        "(KERAAL's Anvil tracks: 'Temporal error', ...); unset: every segment",
    )
    format: str = Field(
        "hawkeye",
        description="hawkeye: annotation CSV + .npy/.npz; park: the PARK feature table; "
        "a registered skeleton format (keraal, uiprmd, msr_action3d, natops, ...): the "
        "public files as published (kind: landmarks), read by hawkeye.data.readers",
    )
    min_label: int = 0
    max_label: int = 4
    max_quarantine_share: float = Field(0.2, ge=0, le=1)
    max_missing_feature_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="feature tables: quarantine a row when more of its feature cells than "
        "this are empty or not numbers",
    )
    synthetic: SyntheticConfig | None = Field(
        None, description="generate the data at `path` first when it is missing"
    )
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="annotation CSV column -> manifest column, e.g. {video: source}",
    )
    landmarks: LandmarkConfig = Field(default_factory=LandmarkConfig)
    holdout: HoldoutConfig | list[HoldoutConfig] | None = Field(
        None,
        description="keep only the training (rest) or the held-out share of subjects; a list "
        "applies one after the other (e.g. a fifth of a held-out set for site adaptation)",
    )
    feature_columns: list[str] | None = Field(
        None,
        description="feature tables: use only these feature columns (e.g. the columns a "
        "published cross-dataset table shares with PARK)",
    )
    layout: str | DatasetConfig.Layout | None = Field(
        None,
        description="landmarks: the joint layout, a registered name (mediapipe_pose_33, "
        "kinect_v2_25, ...) or a declaration {name, joints, bones, root}; rows without a "
        "layout column get it, and ingest checks every recording against it",
    )
    fps: float | None = Field(
        None, gt=0, description="landmarks: the frame rate of rows without an fps of their own"
    )
    skeleton: DatasetConfig.Skeleton | None = Field(
        None,
        description="skeleton_table / skeleton_ts: how the files are read; any landmark "
        "format: the checks at ingest (see DatasetConfig.Skeleton)",
    )

    def skeleton_settings(self) -> DatasetConfig.Skeleton:
        """``skeleton`` as given, or its defaults."""
        return self.skeleton or DatasetConfig.Skeleton()

    def layout_name(self) -> str | None:
        """The name of the declared layout (``layout`` as a name or a declaration)."""
        return self.layout.name if isinstance(self.layout, DatasetConfig.Layout) else self.layout

    @model_validator(mode="after")
    def _declared_layout(self) -> DatasetConfig:
        """Register a declared layout (a name must be known); the generic formats need one."""
        if self.layout is None and self.format in ("skeleton_table", "skeleton_ts"):
            raise ValueError(
                f"format {self.format} needs dataset.layout: a registered layout name or "
                "{name: ..., joints: [...]} naming the joints in order"
            )
        if self.layout is None:  # no reader imported for a config that declares nothing
            return self
        from hawkeye.data.readers import registry

        if isinstance(self.layout, DatasetConfig.Layout):
            lay = self.layout
            registry.declare_layout(lay.name, lay.joints, lay.bones, lay.root)
        elif self.layout is not None and self.layout not in registry.layout_names():
            raise ValueError(
                f"unknown joint layout {self.layout!r}; known: "
                f"{', '.join(registry.layout_names())}, or declare one: "
                "{name: ..., joints: [...], bones: [[a, b], ...], root: ...}"
            )
        return self

    @model_validator(mode="after")
    def _format_kind(self) -> DatasetConfig:
        if self.format in BUILTIN_FORMATS:
            return self
        known = skeleton_formats()
        if self.format not in known:
            raise ValueError(
                f"unknown dataset.format {self.format!r}; known: "
                f"{', '.join(BUILTIN_FORMATS + known)}"
            )
        if self.kind != "landmarks":
            raise ValueError(f"format {self.format} needs kind: landmarks (got {self.kind})")
        return self


class SplitConfig(_Strict):
    """How recordings are split into test folds (see hawkeye.splits).

    ``stratified_group_kfold`` and ``group_kfold`` use ``n_splits`` subject-grouped
    folds; ``leave_one_subject_out`` one fold a subject; ``official`` the dataset's
    own train/test assignment, the manifest column ``split`` ('train' / 'test').
    """

    strategy: Literal[
        "stratified_group_kfold", "group_kfold", "leave_one_subject_out", "official"
    ] = "stratified_group_kfold"
    n_splits: int = Field(5, ge=2, description="k-fold strategies only")
    seed: int = 0
    near_duplicate_rms: float = Field(
        0.01,
        ge=0,
        description="two recordings on different sides whose standardized feature rows "
        "differ by less than this RMS are a leak (0 turns the check off)",
    )


def _models(zero_shot: bool = False) -> tuple[str, ...]:
    """hawkeye.models.registry's model names (names and kinds only: no torch imported)."""
    from hawkeye.models import registry

    return registry.zero_shot_names() if zero_shot else registry.names()


# Video scorers that learn nothing: `params` holds their settings (model_path, n_frames, ...).
ZERO_SHOT = _models(zero_shot=True)  # the registry's; kept for importers of this name
# Every registered model: an unknown name fails listing them.
ModelName = Literal[_models()]  # type: ignore[valid-type]


class ApplicabilityConfig(_Strict):
    """When a score is flagged or refused as outside what the model was trained on
    (hawkeye.applicability.ApplicabilityDomain); stored with the model at training."""

    margin_iqr: float = Field(0.1, ge=0, description="tolerance beyond a feature's range (IQR)")
    novelty_quantile: float = Field(
        0.01, ge=0, le=1, description="flag a combination rarer than this share of training"
    )
    refuse_outside_share: float = Field(
        0.25, ge=0, le=1, description="refuse past this share of features far out of range"
    )
    refuse_far_iqr: float = Field(1.0, ge=0, description="'far out of range': beyond this many IQR")
    refuse_missing_share: float = Field(
        0.5, ge=0, le=1, description="refuse when more features than this are missing"
    )


class ModelConfig(_Strict):
    name: ModelName = Field(  # type: ignore[valid-type]
        "random_forest",
        description="a model in hawkeye.models.registry: feature-table scorers, sequence nets "
        "over landmark files, the one-class autoencoder (params.normal_label, default "
        "min_label = correct execution) or a zero-shot video scorer",
    )
    mode: Literal["regression", "classification", "ordinal_classification"] = Field(
        "regression",
        description="regression or ordinal_classification for ordered scores; classification "
        "(most probable class) for unordered labels",
    )
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int = 0
    applicability: ApplicabilityConfig = Field(default_factory=ApplicabilityConfig)

    @model_validator(mode="after")
    def _model_params(self) -> ModelConfig:
        """A typo in a model's params fails here, naming the key (where its spec can tell)."""
        from hawkeye.models.registry import check_params

        check_params(self.name, self.params)
        return self


class ExternalGateConfig(_Strict):
    """A labelled external set the model must also do well on before it becomes champion."""

    path: str = Field(
        description="a feature table in the training format, or a .yaml describing the set "
        "('shared:' prefix allowed)"
    )
    name: str | None = Field(None, description="how the set is named in MLflow (default: file)")
    min_improvement_over_baseline: float = Field(
        0.0, ge=0, description="margin by which the model must beat its training baselines there"
    )


class GateConfig(_Strict):
    """When a new model version may take the ``champion`` alias."""

    metric: str = "mae"
    greater_is_better: bool | None = Field(
        None,
        description="direction of `metric`; default: the metric's own (hawkeye.evaluation."
        "registry), smaller is better for a metric it does not declare",
    )
    min_improvement_over_baseline: float = Field(
        0.05, ge=0, description="margin by which the model must beat the best baseline"
    )
    min_coverage: float = Field(
        0.8, ge=0, le=1, description="share of recordings a (zero-shot) model must score"
    )
    external: ExternalGateConfig | None = Field(
        None,
        description="also require that the model beats, on this external set, the baselines "
        "fitted on its own training data",
    )


class RegisterConfig(_Strict):
    model_name: str
    gate: GateConfig = Field(default_factory=GateConfig)


class RunConfig(_Strict):
    """The whole training run: what ``pipelines/configs/*.yaml`` holds under ``parameters``."""

    dataset: DatasetConfig
    split: SplitConfig = Field(default_factory=SplitConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    registry: RegisterConfig

    @model_validator(mode="after")
    def _labels(self) -> RunConfig:
        if self.dataset.max_label < self.dataset.min_label or (
            self.dataset.max_label == self.dataset.min_label
            and self.dataset.task != SEGMENTS_TASK  # segment labels live in time, not here
        ):
            raise ValueError("dataset.max_label must be above dataset.min_label")
        return self

    @model_validator(mode="after")
    def _task_fits_model(self) -> RunConfig:
        """A frame-wise model learns segments and nothing else learns them."""
        from hawkeye.models import registry

        frame_wise = registry.spec(self.model.name).kind == registry.FRAME_WISE
        if frame_wise != (self.dataset.task == SEGMENTS_TASK):
            wise = ", ".join(
                n for n in registry.names() if registry.spec(n).kind == registry.FRAME_WISE
            )
            raise ValueError(
                f"model {self.model.name} is frame-wise: it needs dataset.task: segments"
                if frame_wise
                else f"dataset.task: segments needs a frame-wise model ({wise}), "
                f"not {self.model.name}"
            )
        return self


class ConfigError(HawkeyeError, ValueError):
    """A run configuration that cannot be used; the message lists every field to fix."""


def describe_errors(exc: ValidationError) -> str:
    """One line a problem, ``field.path: what is wrong (got value)``."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        got = (
            f" (got {err['input']!r})"
            if err["type"] != "missing" and not isinstance(err["input"], dict)
            else ""
        )
        lines.append(f"  {where}: {err['msg']}{got}")
    return "\n".join(lines)


def load_run_config(path: Path) -> RunConfig:
    """Read a run configuration (its layers resolved: hawkeye.config_files) or a params.yaml."""
    from hawkeye.config_files import read_parameters

    try:
        return RunConfig.model_validate(read_parameters(Path(path)))
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid run configuration\n{describe_errors(exc)}") from exc


def resolve_run_config(params: dict[str, Any], where: str = "run configuration") -> RunConfig:
    """Validate parameters as ZenML hands them to a pipeline, their ``extends`` layers merged."""
    from hawkeye.config_files import resolve_parameters
    from hawkeye.paths import run_configs_dir

    try:
        return RunConfig.model_validate(resolve_parameters(params, run_configs_dir(), where))
    except ValidationError as exc:
        raise ConfigError(f"{where}: invalid run configuration\n{describe_errors(exc)}") from exc
