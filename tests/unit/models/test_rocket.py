"""aeon's convolution-kernel models (hawkeye.models.rocket): the optional extra, the params,
the input they get. The estimator contract itself is test_model_contract.py's."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from hawkeye.config import ModelConfig
from hawkeye.errors import HawkeyeError
from hawkeye.models import registry, rocket
from tests.sequence_synthetic import write_recordings

ROCKETS = ("minirocket", "multirocket", "multirocket_hydra")
needs_aeon = pytest.mark.skipif(not rocket.has_aeon(), reason='pip install "hawkeye[tsc]"')


def test_without_aeon_the_builder_names_the_extra_and_all_leaves_them_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rocket, "has_aeon", lambda: False)
    monkeypatch.setattr(registry, "find_spec", lambda module: None)
    for name in ROCKETS:
        with pytest.raises(HawkeyeError, match=r'pip install "hawkeye\[tsc\]"') as err:
            registry.build_model(ModelConfig(name=name), "motion", 0, 4)
        assert isinstance(err.value, ImportError)
        assert name not in registry.trainable()
    assert "random_forest" in registry.trainable()


def test_the_registry_and_the_module_import_no_aeon() -> None:
    code = (
        "import sys\n"
        "from hawkeye.config import ModelConfig\n"
        "import hawkeye.models.rocket\n"
        "ModelConfig(name='minirocket', params={'n_kernels': 84})\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('aeon', 'numba')]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_kernel": 84}, r"unknown parameter\(s\) \['n_kernel'\]"),
        ({"n_groups": 4}, r"unknown parameter\(s\) \['n_groups'\]"),  # Hydra's, not MiniRocket's
        ({"length": 4}, "length must be None or a whole number >= 9"),
        ({"centre": "hip"}, "centre must be one of"),
    ],
)
def test_a_bad_param_fails_when_the_configuration_is_read(params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ModelConfig(name="minirocket", params=params)


def test_recordings_are_resampled_to_exactly_the_length() -> None:
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    for n in (9, 10, 25):
        y = rocket.to_length(x, n)
        assert y.shape == (n, 2) and y.dtype == np.float32
        np.testing.assert_allclose(y[[0, -1]], x[[0, -1]])  # the whole recording, both ends
        assert np.all(np.diff(y[:, 0]) > 0)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return write_recordings(tmp_path_factory.mktemp("rocket"), n_subjects=5, lengths=(20, 40))


@needs_aeon
def test_aeon_gets_channels_by_time_at_the_median_length_and_the_params(
    table: pd.DataFrame,
) -> None:
    params = {"n_kernels": 168, "velocity": True, "standardise": True, "n_jobs": 1}
    cfg = ModelConfig(name="minirocket", mode="classification", params=params, seed=3)
    model = registry.build_model(cfg, "motion", 0, 4).fit(table, table["label"].to_numpy())
    assert model.length_ == round(float(np.median([len(np.load(s)) for s in table["source"]])))
    assert model.n_channels_ == 8 * 3 * 2  # 8 joints x xyz, positions and velocities
    assert model.estimator_.n_kernels == 168 and model.estimator_.random_state == 3
    assert model.estimator_.n_jobs == 1 and model.mean_.shape == (48,)
    assert list(model.classes_) == [0, 1, 2, 3, 4]
    proba = model.predict_proba(table)
    assert set(np.unique(proba.to_numpy())) <= {0.0, 1.0}  # the ridge's one-hot answer
    np.testing.assert_array_equal(model.predict(table), proba.to_numpy().argmax(axis=1))


@needs_aeon
def test_cross_validate_trains_a_regressor_per_fold_and_describes_the_final_fit(
    table: pd.DataFrame,
) -> None:
    """Through the training code a pipeline runs: whole rows, folds, the final refit."""
    from hawkeye.config import SplitConfig
    from hawkeye.splits import make_folds
    from hawkeye.training import cross_validate

    folds = make_folds(table, SplitConfig(strategy="group_kfold", n_splits=2))
    cfg = ModelConfig(name="multirocket_hydra", params={"n_kernels": 2, "n_groups": 4})
    result = cross_validate(table, folds, cfg, 0, 4, task="motion")
    scores = result.predictions["score"].to_numpy(dtype=float)
    assert len(scores) == len(table) and ((scores >= 0) & (scores <= 4)).all()
    assert type(result.model.estimator_).__name__ == "MultiRocketHydraRegressor"
