"""Every model Hawkeye trains, registered once: its kind, inputs, builder, defaults, search space.

A ``ModelConfig.name`` is one of :func:`names`; training builds it with
:func:`build_model`, tuning asks :func:`search_space`, the pipeline asks whether
it reads landmarks. Importing this module is cheap (no torch, no transformers):
builders are ``"module:function"`` paths, imported when a model is built.

To add a model, register a :class:`ModelSpec` below; ``tests/unit/models/test_model_contract.py``
then checks it against the estimator contract (:mod:`hawkeye.models.base`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from hawkeye.errors import HawkeyeError
from hawkeye.models import ensemble_params as ens
from hawkeye.models import framewise_params as fw
from hawkeye.models.sequence import names as seq

if TYPE_CHECKING:
    import optuna

    from hawkeye.config import ModelConfig

# The kinds an estimator declares in ``_model_kind`` (hawkeye.models.base).
SCORER, ONE_CLASS, ZERO_SHOT = "scorer", "one-class", "zero-shot"
FRAME_WISE = fw.FRAME_WISE  # one label a frame (segment tasks): hawkeye.models.framewise
KINDS = (SCORER, ONE_CLASS, ZERO_SHOT, FRAME_WISE)
Inputs = Literal["features", "sequences", "videos"]
Space = Callable[["optuna.Trial"], dict[str, Any]]


@dataclass(frozen=True)
class ModelSpec:
    """One model. ``build`` and ``estimator`` are ``"module:function"`` paths.

    - ``build(cfg, task, min_label, max_label)`` returns the unfitted estimator;
    - ``estimator(regression, params, seed)``: feature-table models only, the
      scikit-learn estimator :class:`~hawkeye.models.classical.ScoreModel` wraps;
    - ``inputs``: ``features`` (feature columns), ``sequences`` (whole rows: the
      landmark files in ``source``), ``videos`` (whole rows: video paths);
    - ``defaults``: the params a config's ``params`` override;
    - ``space``: the Optuna search space (None: nothing to tune);
    - ``check_params``: validates ``params`` when the configuration is read;
    - ``ordinal``: a classifier over ordered scores whatever the mode;
    - ``quick``: params for a fit of a second (the contract test's);
    - ``extra``/``requires``: the optional extra (``pip install "hawkeye[extra]"``) that
      installs the modules ``requires`` its builder imports; without them the builder
      raises a ``HawkeyeError`` naming the extra, and ``trainable()`` leaves it out.
    """

    name: str
    kind: str
    inputs: Inputs
    build: str
    summary: str
    defaults: Mapping[str, Any] = field(default_factory=dict)
    space: Space | None = None
    estimator: str | None = None
    check_params: Callable[[dict[str, Any]], None] | None = None
    ordinal: bool = False
    quick: Mapping[str, Any] = field(default_factory=dict)
    extra: str | None = None
    requires: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        """Whether the modules its optional extra installs are importable (nothing imported)."""
        return all(find_spec(module) is not None for module in self.requires)

    @property
    def zero_shot(self) -> bool:
        return self.kind == ZERO_SHOT

    @property
    def one_class(self) -> bool:
        return self.kind == ONE_CLASS


class UnknownModel(HawkeyeError, ValueError):
    """A model name the registry does not hold; the message lists the ones it does."""


def _load(path: str) -> Any:
    module, _, attr = path.partition(":")
    return getattr(import_module(module), attr)


# ----------------------------------------------------------------------------- search spaces
# Ranges wide enough to matter and narrow enough for tens of trials.


def _forest_space(trial: optuna.Trial) -> dict[str, Any]:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 600, step=50),
        "max_depth": trial.suggest_categorical("max_depth", [None, 4, 8, 16]),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 10),
        "max_features": trial.suggest_categorical("max_features", ["sqrt", 0.3, 0.6, 1.0]),
    }


def _xgboost_space(trial: optuna.Trial) -> dict[str, Any]:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 800, step=50),
        "max_depth": trial.suggest_int("max_depth", 2, 8),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
        "min_child_weight": trial.suggest_float("min_child_weight", 0.5, 10, log=True),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10, log=True),
    }


def _lightgbm_space(trial: optuna.Trial) -> dict[str, Any]:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 800, step=50),
        "num_leaves": trial.suggest_int("num_leaves", 4, 64, log=True),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 3, 40, log=True),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10, log=True),
    }


def _ordinal_space(trial: optuna.Trial) -> dict[str, Any]:
    return {"alpha": trial.suggest_float("alpha", 1e-3, 100, log=True)}


def _net_space(trial: optuna.Trial) -> dict[str, Any]:
    """The knobs that moved the benchmarks most; epochs and length stay the config's."""
    return {
        "lr": trial.suggest_float("lr", 1e-4, 1e-2, log=True),
        "hidden": trial.suggest_categorical("hidden", [32, 64, 128]),
        "dropout": trial.suggest_float("dropout", 0.0, 0.4),
        "weight_decay": trial.suggest_float("weight_decay", 1e-4, 1e-1, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [16, 32, 64]),
    }


def _sequence_space(trial: optuna.Trial) -> dict[str, Any]:
    space = _net_space(trial)
    space["velocity"] = trial.suggest_categorical("velocity", [True, False])
    space["mixup"] = trial.suggest_categorical("mixup", [0.0, 0.2])
    return space


def _autoencoder_space(trial: optuna.Trial) -> dict[str, Any]:
    return {**_net_space(trial), "latent": trial.suggest_categorical("latent", [8, 16, 32])}


def _rocket_space(trial: optuna.Trial) -> dict[str, Any]:
    """The input settings; the kernel counts stay aeon's (they matter little past defaults)."""
    return {
        "length": trial.suggest_categorical("length", [None, 32, 64, 128]),
        "velocity": trial.suggest_categorical("velocity", [True, False]),
        "centre": trial.suggest_categorical("centre", ["frame", "recording"]),
        "standardise": trial.suggest_categorical("standardise", [True, False]),
    }


def check_select_k(value: Any) -> None:
    """A feature-table model's ``select_k``: None (every feature), ``"all"`` or a whole
    number >= 1 (hawkeye.models.classical selects them inside the training pipeline)."""
    if value is None or value == "all":
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"select_k must be None, 'all' or a whole number >= 1, got {value!r}")


def _table_params(params: dict[str, Any]) -> None:
    """A feature-table model's own keys go to its library; ``select_k`` is checked here."""
    check_select_k(params.get("select_k"))


def _sequence_params(params: dict[str, Any]) -> None:
    """A typo in a sequence model's params fails when the configuration is read."""
    seq.resolve_params({k: v for k, v in params.items() if k != "normal_label"})


# ``grouped``: the column to group by (``exercise`` is read as ``task``), the scorer fitted
# once a group, and what scores a group absent from training (error, or a pooled model).
GROUPED_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {"group_by": "task", "model": "random_forest", "unseen": "error"}
)


def _grouped_params(params: dict[str, Any]) -> None:
    from hawkeye.models.grouped import check_params as check_grouped  # it imports this module

    check_grouped(params)


def _rocket_params(defaults: Mapping[str, Any]) -> Callable[[dict[str, Any]], None]:
    """A check of a convolution-kernel model's params: its defaults name every key it takes."""

    def check(params: dict[str, Any]) -> None:
        unknown = sorted(set(params) - set(defaults))
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown}; known: {sorted(defaults)}")
        from hawkeye.features.preprocess import check_params as check_preprocess

        check_preprocess(params)
        length = params.get("length")
        if length is not None and (not isinstance(length, int) or length < ROCKET_MIN_LENGTH):
            raise ValueError(f"length must be None or a whole number >= {ROCKET_MIN_LENGTH}")

    return check


# ----------------------------------------------------------------------------- the registry

_QUICK_NET = {
    "hidden": 8,
    "layers": 1,
    "levels": 2,
    "kernel_size": 3,
    "heads": 2,
    "latent": 4,
    "max_epochs": 1,
    "batch_size": 8,
    "val_fraction": 0.0,
    "max_len": 32,
}
_NETS = {
    "lstm_attention": "LSTM with attention pooling",
    "transformer": "Transformer encoder",
    "conv_lstm": "1-D convolutions then an LSTM",
    "tcn": "temporal convolutional network",
    "conv_bilstm": "1-D convolutions then a bidirectional LSTM",
    "stgcn": "spatio-temporal graph convolutions over the layout's bones (ST-GCN)",
}
# aeon's convolution-kernel models (hawkeye.models.rocket; the `tsc` extra): how a recording
# becomes their input, shared by all three, then each one's own aeon parameters.
ROCKET_MIN_LENGTH = 9  # MiniRocket's kernels span 9 steps
ROCKET_INPUTS: Mapping[str, Any] = MappingProxyType(
    {
        "length": None,  # frames each recording is resampled to; None: the training median
        "velocity": False,
        "acceleration": False,
        "centre": "frame",  # root-centred per frame (posture); "recording": sway kept
        "scale": "body",  # body / none; view: none / canonical (hawkeye.features.preprocess)
        "view": "none",
        "standardise": False,  # each channel over the training frames
        "class_weight": None,  # classifiers: None or "balanced"
        "n_jobs": 1,
    }
)
_ROCKETS = {
    "minirocket": (
        "MiniRocket: 10,000 fixed dilated kernels, ridge on their features (aeon)",
        {"n_kernels": 10000, "max_dilations_per_kernel": 32},
        {"n_kernels": 84},
    ),
    "multirocket": (
        "MultiRocket: MiniRocket's kernels on the series and its differences, 4 pooling "
        "features each (aeon)",
        {"n_kernels": 10000, "max_dilations_per_kernel": 32, "n_features_per_kernel": 4},
        {"n_kernels": 84},
    ),
    "multirocket_hydra": (
        "MultiRocket with Hydra's competing-kernel counts beside it, one ridge (aeon)",
        {"n_kernels": 8, "n_groups": 64},
        {"n_kernels": 2, "n_groups": 4},
    ),
}
_SPECS = (
    ModelSpec(
        "random_forest",
        SCORER,
        "features",
        "hawkeye.models.classical:from_config",
        "scikit-learn random forest",
        defaults={"n_estimators": 300, "min_samples_leaf": 2, "n_jobs": -1},
        space=_forest_space,
        estimator="hawkeye.models.classical:random_forest",
        check_params=_table_params,
        quick={"n_estimators": 10, "n_jobs": 1},
    ),
    ModelSpec(
        "xgboost",
        SCORER,
        "features",
        "hawkeye.models.classical:from_config",
        "gradient-boosted trees (XGBoost)",
        defaults={
            "n_estimators": 300,
            "max_depth": 3,
            "learning_rate": 0.05,
            "subsample": 0.8,
            "colsample_bytree": 0.8,
            "n_jobs": 2,
        },
        space=_xgboost_space,
        estimator="hawkeye.models.classical:xgboost",
        check_params=_table_params,
        quick={"n_estimators": 10, "n_jobs": 1},
    ),
    # LightGBM's leaf-wise trees: ``num_leaves`` bounds a tree (depth unbounded), and
    # ``min_child_samples`` is low because clinical tables have tens of recordings a score.
    ModelSpec(
        "lightgbm",
        SCORER,
        "features",
        "hawkeye.models.classical:from_config",
        "gradient-boosted trees, leaf-wise (LightGBM)",
        defaults={
            "n_estimators": 300,
            "num_leaves": 15,
            "learning_rate": 0.05,
            "min_child_samples": 5,
            "subsample": 0.8,
            "subsample_freq": 1,
            "colsample_bytree": 0.8,
            "n_jobs": 2,
            "verbose": -1,
        },
        space=_lightgbm_space,
        estimator="hawkeye.models.classical:lightgbm",
        check_params=_table_params,
        quick={"n_estimators": 10, "n_jobs": 1},
    ),
    # mord's all-threshold ordinal logistic regression: one weight vector and K-1 ordered
    # cut points, so it cannot predict "more severe" from a feature that lowers the odds of
    # every higher score. ``alpha`` is the L2 penalty on standardised features.
    ModelSpec(
        "ordinal_logistic",
        SCORER,
        "features",
        "hawkeye.models.classical:from_config",
        "all-threshold ordinal logistic regression (mord)",
        defaults={"alpha": 1.0, "max_iter": 1000},
        space=_ordinal_space,
        estimator="hawkeye.models.classical:ordinal_logistic",
        check_params=_table_params,
        ordinal=True,
    ),
    # Zero-shot video scorers: ``params`` are the scorer's settings (model_path, n_frames, ...),
    # whose defaults are its constructor's.
    ModelSpec(
        "vlm",
        ZERO_SHOT,
        "videos",
        "hawkeye.models.vlm:local_from_config",
        "a local vision-language model (Qwen2-VL, LLaVA) rating each video, zero-shot",
    ),
    ModelSpec(
        "vlm_api",
        ZERO_SHOT,
        "videos",
        "hawkeye.models.vlm:api_from_config",
        "a vision-language model behind an OpenAI or Anthropic API, zero-shot",
    ),
    # Sequence nets over landmark files (hawkeye.models.sequence); params: its DEFAULTS.
    *(
        ModelSpec(
            name,
            SCORER,
            "sequences",
            "hawkeye.models.sequence:from_config",
            summary,
            defaults=MappingProxyType(seq.DEFAULTS),
            space=_sequence_space,
            check_params=_sequence_params,
            quick=_QUICK_NET,
        )
        for name, summary in _NETS.items()
    ),
    # One-class: params.normal_label (default min_label) = correct execution.
    ModelSpec(
        "autoencoder",
        ONE_CLASS,
        "sequences",
        "hawkeye.models.sequence:from_config",
        "LSTM autoencoder trained on correct executions; flags the rest (one-class)",
        defaults=MappingProxyType(seq.DEFAULTS),
        space=_autoencoder_space,
        check_params=_sequence_params,
        quick=_QUICK_NET,
    ),
    # Convolution-kernel scorers over landmark files: params: ROCKET_INPUTS, then aeon's own.
    *(
        ModelSpec(
            name,
            SCORER,
            "sequences",
            "hawkeye.models.rocket:from_config",
            summary,
            defaults=MappingProxyType({**ROCKET_INPUTS, **own}),
            space=_rocket_space,
            check_params=_rocket_params({**ROCKET_INPUTS, **own}),
            quick=quick,
            extra="tsc",
            requires=("aeon",),
        )
        for name, (summary, own, quick) in _ROCKETS.items()
    ),
    # Ensembles of the scorers above, each member once per seed (hawkeye.models.ensemble):
    # a soft vote, or stacking on out-of-fold outputs inside the training rows. ``ensemble``
    # takes feature-table members; ``sequence_ensemble`` reads whole rows and mixes both.
    ModelSpec(
        "ensemble",
        SCORER,
        "features",
        "hawkeye.models.ensemble:from_config",
        "soft vote or stacking over feature-table models and seeds",
        defaults=MappingProxyType(ens.DEFAULTS["ensemble"]),
        check_params=ens.checker("ensemble"),
        quick=ens.QUICK["ensemble"],
    ),
    ModelSpec(
        "sequence_ensemble",
        SCORER,
        "sequences",
        "hawkeye.models.ensemble:from_config",
        "soft vote or stacking over sequence nets, feature-table models and seeds",
        defaults=MappingProxyType(ens.DEFAULTS["sequence_ensemble"]),
        check_params=ens.checker("sequence_ensemble"),
        quick={"members": [{"name": "tcn", "params": _QUICK_NET, "seeds": [0, 1]}]},
    ),
    # One copy of a scorer per group of rows (hawkeye.models.grouped): per-exercise models.
    ModelSpec(
        "grouped",
        SCORER,
        "sequences",
        "hawkeye.models.grouped:from_config",
        "one model per value of a column (group_by: task, i.e. the exercise), pooled predictions",
        defaults=GROUPED_DEFAULTS,
        check_params=_grouped_params,
        quick={"model": {"name": "tcn", "params": _QUICK_NET}},
    ),
    # Frame-wise nets (segment tasks): fit(X, y_frames), predict -> one label array a
    # recording, predict_segments; params: hawkeye.models.framewise_params.DEFAULTS.
    *(
        ModelSpec(
            name,
            FRAME_WISE,
            "sequences",
            "hawkeye.models.framewise:from_config",
            summary,
            defaults=MappingProxyType({**fw.DEFAULTS, **fw.ARCHITECTURE_DEFAULTS[name]}),
            check_params=fw.check_params,
            quick=fw.QUICK,
        )
        for name, summary in (
            ("mstcn", "multi-stage temporal convolutional network, one label a frame (MS-TCN)"),
            ("bigru", "bidirectional GRU, one label a frame"),
        )
    ),
)
REGISTRY: Mapping[str, ModelSpec] = MappingProxyType({s.name: s for s in _SPECS})


def names() -> tuple[str, ...]:
    """Every registered model name, in registration order."""
    return tuple(REGISTRY)


def trainable() -> tuple[str, ...]:
    """What ``hawkeye run --model all`` trains: the supervised scorers (zero-shot scorers and
    one-class models are scored differently) whose optional extra, if any, is installed."""
    return tuple(n for n, s in REGISTRY.items() if s.kind == SCORER and s.available)


def zero_shot_names() -> tuple[str, ...]:
    return tuple(n for n, s in REGISTRY.items() if s.zero_shot)


def spec(name: str) -> ModelSpec:
    """The registered model ``name``; an unknown name fails listing the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownModel(f"unknown model {name!r}; known: {', '.join(REGISTRY)}") from None


def check_params(name: str, params: dict[str, Any]) -> None:
    """Fail on params the model cannot take (only where its spec can tell)."""
    check = spec(name).check_params
    if check is not None:
        check(params)


def build_model(cfg: ModelConfig, task: str, min_label: int, max_label: int) -> Any:
    """The unfitted estimator a configuration names."""
    return _load(spec(cfg.name).build)(cfg, task, min_label, max_label)


def estimator_factory(name: str) -> Callable[..., Any]:
    """The scikit-learn estimator factory of a feature-table model."""
    s = spec(name)
    if s.estimator is None:
        raise UnknownModel(f"{name!r} is not a feature-table model; those are: {_features()}")
    return _load(s.estimator)


def _features() -> str:
    return ", ".join(n for n, s in REGISTRY.items() if s.estimator is not None)


def search_space(name: str, trial: optuna.Trial) -> dict[str, Any]:
    """The model's Optuna search space, sampled by ``trial``."""
    space = spec(name).space
    if space is None:
        tunable = ", ".join(n for n, s in REGISTRY.items() if s.space is not None)
        raise ValueError(f"no search space for model {name!r} (tunable: {tunable})")
    return space(trial)
