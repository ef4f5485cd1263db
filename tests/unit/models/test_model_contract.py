"""Every registered model against the estimator contract (in the spirit of scikit-learn's
``parametrize_with_checks``): a new entry in ``hawkeye.models.registry`` is checked here
without a line added, on a tiny fixture of the inputs it reads.

The contract (``hawkeye.models.base``): ``fit`` returns the estimator; ``predict`` gives one
value a row in ``[min_label, max_label]`` (NaN only where a zero-shot scorer got no answer);
classifiers' ``predict_proba`` rows sum to 1 over labels of the scale; ``feature_names_in_``
names columns of the input; the kind helpers answer as the registry says; a one-class
model's ``predict`` is a label while ``score_samples`` is a float, higher = more normal.
A model whose optional extra is absent (aeon's, ``hawkeye[tsc]``) is skipped with the
install line its builder's error names.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from hawkeye.config import ModelConfig
from hawkeye.errors import HawkeyeError
from hawkeye.models import registry
from hawkeye.models.base import is_one_class, is_zero_shot, model_kind, one_class_outputs
from tests.conftest import labelled_table
from tests.sequence_synthetic import one_torch_thread, write_recordings  # noqa: F401
from tests.stub_api import serve_stub
from tests.tiny_vlm import FORCED_DIGIT, build_tiny_llava, write_video

HAS_TRANSFORMERS = importlib.util.find_spec("transformers") is not None


def _cases() -> list[Any]:
    """(name, mode): scorers in a regression and a classification mode, the others as set."""
    cases = []
    for name, spec in registry.REGISTRY.items():
        if spec.kind == registry.FRAME_WISE:  # a label a frame: models/test_framewise.py
            continue
        modes = ("regression", "classification") if spec.kind == registry.SCORER else ("",)
        cases += [pytest.param(name, mode, id=f"{name}-{mode}" if mode else name) for mode in modes]
    return cases


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="module")
def sequences(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return write_recordings(tmp_path_factory.mktemp("contract") / "seq", n_subjects=6)


@pytest.fixture(scope="module")
def repetitions(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    anomalous = np.arange(24) % 4 == 3
    folder = tmp_path_factory.mktemp("contract") / "reps"
    return write_recordings(folder, n_subjects=6, labels=anomalous.astype(int), anomalous=anomalous)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("contract-videos")
    return pd.DataFrame(
        {
            "sample_id": ["a", "b"],
            "subject_id": ["A", "B"],
            "source": [str(write_video(root / "a.mp4")), str(write_video(root / "b.mp4", 5))],
            "task": "finger_tapping",
            "label": [1, 3],
        }
    )


@pytest.fixture(scope="module")
def video_params(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict]]:
    """What each zero-shot scorer needs to run offline: a tiny local model, a stub API."""
    params: dict[str, dict] = {}
    if HAS_TRANSFORMERS:
        path = build_tiny_llava(tmp_path_factory.mktemp("contract-vlm") / "m", zero_head=True)
        params["vlm"] = {"model_path": str(path), "n_frames": 2, "max_new_tokens": 1}
    with serve_stub() as (_, url):
        params["vlm_api"] = {
            "model": "m",
            "base_url": f"{url}/v1",
            "api_key_env": "",
            "allow_remote_frames": True,
            "n_frames": 2,
        }
        yield params


def _data(
    spec: registry.ModelSpec, request: pytest.FixtureRequest
) -> tuple[pd.DataFrame, np.ndarray, dict[str, Any], int, int]:
    """Inputs, labels, extra params and the label range for a model of this kind."""
    if spec.inputs == "features":
        table = labelled_table(40)
        return table[["signal", "noise", "gappy"]], table["label"].to_numpy(), {}, 0, 4
    if spec.inputs == "sequences":
        if spec.one_class:
            table = request.getfixturevalue("repetitions")
            return table, table["label"].to_numpy(), {"normal_label": 0}, 0, 1
        table = request.getfixturevalue("sequences")
        return table, table["label"].to_numpy(), {}, 0, 4
    params = request.getfixturevalue("video_params")
    if spec.name not in params:
        if spec.name == "vlm" and not HAS_TRANSFORMERS:
            pytest.skip("transformers is not installed (pip install -e '.[vlm]')")
        pytest.fail(f"no offline fixture for the zero-shot model {spec.name!r}: add its params")
    table = request.getfixturevalue("videos")
    return table, table["label"].to_numpy(), params[spec.name], 0, 4


@pytest.mark.parametrize(("name", "mode"), _cases())
def test_registered_model_keeps_the_estimator_contract(
    name: str, mode: str, request: pytest.FixtureRequest
) -> None:
    spec = registry.spec(name)
    X, y, extra, low, high = _data(spec, request)
    cfg = ModelConfig(name=name, mode=mode or "regression", params={**spec.quick, **extra})
    try:
        model = registry.build_model(cfg, "finger_tapping", low, high)
    except ImportError as err:  # an optional extra that is not installed says which
        if not isinstance(err, HawkeyeError):
            raise
        pytest.skip(str(err))

    # the kind, as the estimator declares it and the registry names it
    assert model_kind(model) == spec.kind
    assert is_one_class(model) == spec.one_class and is_zero_shot(model) == spec.zero_shot
    assert clone(model).get_params() == model.get_params()  # a scikit-learn estimator

    assert model.fit(X, y) is model
    names = [str(c) for c in model.feature_names_in_]
    assert names and set(names) <= {str(c) for c in X.columns}

    predicted = np.asarray(model.predict(X), dtype=float)
    assert predicted.shape == (len(X),)
    scored = np.isfinite(predicted)
    assert scored.all() or spec.zero_shot, "only a zero-shot scorer may leave a row unscored"
    assert ((predicted[scored] >= low) & (predicted[scored] <= high)).all()

    if spec.one_class:
        assert set(predicted[scored]) <= {float(v) for v in model.labels}
        assert {model.normal_, model.abnormal_} == {low, high}
        normality = model.score_samples(X)
        assert normality.shape == (len(X),) and normality.dtype.kind == "f"
        flagged = model.decision_function(X) < 0
        np.testing.assert_array_equal(predicted == model.abnormal_, flagged)
        anomaly, decision = one_class_outputs(model, X)
        np.testing.assert_array_equal(decision, predicted)
        np.testing.assert_array_equal(anomaly, model.anomaly_score(X))  # 1 = the threshold
    elif spec.zero_shot:
        details = model.predict_details(X)
        assert len(details) == len(X) and {"answer", "status", "score"} <= set(details.columns)
        np.testing.assert_array_equal(details["score"].to_numpy(dtype=float), predicted)
        if name == "vlm":
            assert list(details["answer"]) == [FORCED_DIGIT] * len(X)
        assert details["status"].eq("ok").all()  # the tiny model and the stub both answer
    else:
        labels = model.predict_label(X)
        assert labels.dtype.kind == "i" and set(labels) <= set(range(low, high + 1))

    classifier = spec.ordinal or mode == "classification"
    if classifier:
        proba = model.predict_proba(X)
        assert proba.shape[0] == len(X) and set(proba.columns) <= set(range(low, high + 1))
        np.testing.assert_allclose(proba.to_numpy().sum(axis=1), 1.0, rtol=1e-5)
        if mode == "classification":  # the most probable class, a label it can give
            assert set(predicted) <= {float(c) for c in proba.columns}


def test_registry_is_the_configs_list_of_names() -> None:
    """Config names, zero-shot names and trainable names all come from the registry."""
    from hawkeye.config import ZERO_SHOT

    assert set(registry.zero_shot_names()) == set(ZERO_SHOT)
    assert set(registry.trainable()).isdisjoint(ZERO_SHOT)
    assert "autoencoder" not in registry.trainable()
    for name, spec in registry.REGISTRY.items():  # a model whose extra is absent is left out
        assert (name in registry.trainable()) == (spec.kind == registry.SCORER and spec.available)
    with pytest.raises(ValueError, match="random_forest"):
        ModelConfig(name="no_such_model")
    with pytest.raises(ValueError, match="known: random_forest"):
        registry.spec("no_such_model")
    with pytest.raises(ValueError, match="no search space for model 'vlm'"):
        registry.search_space("vlm", None)  # type: ignore[arg-type]
