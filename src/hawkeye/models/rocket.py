"""aeon's convolution-kernel scorers (MiniRocket, MultiRocket, MultiRocket-Hydra) of recordings.

A :class:`RocketModel` reads the recordings table as the sequence nets do (``source``,
optional ``layout`` and ``fps``) through :func:`hawkeye.models.sequence.data.load_arrays`,
so the same motion channels (root-centred positions in body sizes, optionally
velocities and accelerations) feed every sequence model. Each recording is resampled
to one length (``length``; by default the training recordings' median) and aeon gets
a ``[n, channels, time]`` array.

``mode`` as everywhere: ``regression`` fits aeon's regressor (ridge over the kernels'
features) and clips its score to the label range; ``classification`` and
``ordinal_classification`` fit aeon's classifier. Its ridge classifier gives no
calibrated probabilities: ``predict_proba`` is one-hot on the predicted class (aeon's
own answer), so ``ordinal_classification`` predicts that class too.

aeon is an optional extra (``pip install "hawkeye[tsc]"``, pinned in pyproject.toml);
it is imported only when such a model is fitted, and its absence is a
:class:`MissingExtra` naming the install line. Threads: ``n_jobs`` (numba's threads for
the Rocket transforms; Hydra also sets torch's process-wide thread count to it).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin

from hawkeye.errors import HawkeyeError
from hawkeye.models import registry
from hawkeye.models.base import ScorerMixin

if TYPE_CHECKING:
    from hawkeye.config import ModelConfig

MODES = ("regression", "classification", "ordinal_classification")
INSTALL = 'pip install "hawkeye[tsc]"'

# Registry name -> (aeon classifier, aeon regressor). Their params and defaults (the input
# settings shared by all, then aeon's own) are the registry's (``registry.ROCKET_INPUTS``).
AEON_MODELS: dict[str, tuple[str, str]] = {
    "minirocket": ("MiniRocketClassifier", "MiniRocketRegressor"),
    "multirocket": ("MultiRocketClassifier", "MultiRocketRegressor"),
    "multirocket_hydra": ("MultiRocketHydraClassifier", "MultiRocketHydraRegressor"),
}


class MissingExtra(HawkeyeError, ImportError):
    """An optional dependency a model needs is not installed; the message says how to add it."""


def has_aeon() -> bool:
    return importlib.util.find_spec("aeon") is not None


def _require_aeon() -> None:
    if not has_aeon():
        raise MissingExtra(
            f"the convolution-kernel models ({', '.join(AEON_MODELS)}) need aeon: {INSTALL}"
        )


def _aeon_class(name: str, regression: bool) -> type:
    _require_aeon()
    classifier, regressor = AEON_MODELS[name]
    package = "aeon.regression" if regression else "aeon.classification"
    module = importlib.import_module(f"{package}.convolution_based")
    return getattr(module, regressor if regression else classifier)


def from_config(cfg: ModelConfig, task: str, min_label: int, max_label: int) -> RocketModel:
    """The registry's builder (``task`` is the recordings' own); fails early without aeon."""
    _require_aeon()
    return RocketModel(cfg.name, cfg.mode, cfg.params, min_label, max_label, cfg.seed)


def to_length(x: np.ndarray, length: int) -> np.ndarray:
    """Exactly ``length`` frames by linear resampling of the whole recording."""
    from hawkeye.models.sequence.data import fit_length

    if len(x) >= length:
        return fit_length(x, length, "resample")
    t = np.linspace(0, len(x) - 1, length)  # stretching a short one: the same interpolation
    lo = np.floor(t).astype(int)
    hi = np.minimum(lo + 1, len(x) - 1)
    w = (t - lo)[:, None]
    return ((1 - w) * x[lo] + w * x[hi]).astype(np.float32)


class RocketModel(ScorerMixin, RegressorMixin, BaseEstimator):
    """MiniRocket, MultiRocket or MultiRocket-Hydra scorer of a recording (aeon).

    ``params`` override the registry's defaults: the input settings
    (:data:`hawkeye.models.registry.ROCKET_INPUTS`) and aeon's own kernel counts.
    ``random_state`` seeds the kernels' biases and channel draws. After ``fit``:
    ``length_`` (frames fed to aeon), ``n_channels_``, ``estimator_`` (aeon's fitted
    model) and ``classes_`` for a classifier.
    """

    def __init__(
        self,
        model: str = "minirocket",
        mode: str = "regression",
        params: dict[str, Any] | None = None,
        min_label: int = 0,
        max_label: int = 4,
        random_state: int = 0,
    ) -> None:
        self.model = model
        self.mode = mode
        self.params = params
        self.min_label = min_label
        self.max_label = max_label
        self.random_state = random_state

    @property
    def is_classifier(self) -> bool:
        return self.mode != "regression"

    def _params(self) -> dict[str, Any]:
        if self.model not in AEON_MODELS:
            raise ValueError(f"unknown model {self.model!r}; known: {sorted(AEON_MODELS)}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        params = dict(self.params or {})
        registry.check_params(self.model, params)
        return {**registry.spec(self.model).defaults, **params}

    def _arrays(self, X: pd.DataFrame, p: dict[str, Any]) -> list[np.ndarray]:
        from hawkeye.models.sequence.data import load_arrays  # torch: only when used

        return load_arrays(X, p["velocity"], p["acceleration"], p["centre"], p["scale"], p["view"])

    def _cube(self, arrays: list[np.ndarray]) -> np.ndarray:
        """``[n, channels, time]`` float32 at ``length_`` frames, scaled as in training."""
        cube = np.stack([to_length(a, self.length_) for a in arrays]).transpose(0, 2, 1)
        if self.mean_ is not None:
            cube = (cube - self.mean_[None, :, None]) / self.std_[None, :, None]
        return np.ascontiguousarray(cube, dtype=np.float32)

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> RocketModel:
        p = self._params()
        aeon_cls = _aeon_class(self.model, regression=not self.is_classifier)
        arrays = self._arrays(X, p)
        lengths = [len(a) for a in arrays]
        self.length_ = int(
            p["length"] or max(registry.ROCKET_MIN_LENGTH, round(float(np.median(lengths))))
        )
        self.n_channels_ = int(arrays[0].shape[1])
        self.mean_ = self.std_ = None
        if p["standardise"]:
            from hawkeye.models.sequence.data import channel_stats

            self.mean_, self.std_ = channel_stats(arrays)
        kwargs = {k: v for k, v in p.items() if k not in registry.ROCKET_INPUTS}
        kwargs |= {"n_jobs": p["n_jobs"], "random_state": self.random_state}
        if self.is_classifier:
            kwargs["class_weight"] = p["class_weight"]
        y = np.asarray(y)
        self.estimator_ = aeon_cls(**kwargs).fit(
            self._cube(arrays), y if self.is_classifier else y.astype(float)
        )
        if self.is_classifier:
            self.classes_ = np.asarray(self.estimator_.classes_)
        self.feature_names_in_ = np.asarray(
            [c for c in ("source", "layout", "fps") if c in X.columns], dtype=object
        )
        return self

    def predict_proba(self, X: pd.DataFrame) -> pd.DataFrame:
        """Class probabilities (one-hot from the ridge classifier); columns: training scores."""
        if not self.is_classifier:
            raise AttributeError(f"predict_proba needs a classification mode, not {self.mode!r}")
        cube = self._cube(self._arrays(X, self._params()))
        proba = self.estimator_.predict_proba(cube)
        return pd.DataFrame(proba, columns=self.classes_, index=X.index)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        if self.is_classifier:  # the most probable class, or the expected score
            score = self._from_proba(self.predict_proba(X))
        else:
            cube = self._cube(self._arrays(X, self._params()))
            score = np.asarray(self.estimator_.predict(cube), dtype=float)
        return self._clip(score)
