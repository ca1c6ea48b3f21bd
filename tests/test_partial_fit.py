import pickle
import tracemalloc

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import clone
from test_mpot import _whitened_image_patches

from skscore import DenoisingSMTransformer, GBRBMScoreMatching, MPoTAutoencoder
from skscore.datasets import make_gbrbm

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def patches():
    X, _ = _whitened_image_patches(n_patches=5000)
    return X[:4000], X[4000:]


@pytest.fixture(scope="module")
def gbrbm_data():
    # Data of a known GBRBM, on which L-BFGS converges. On heavy-tailed data
    # the GBRBM's L-BFGS fit crosses a long plateau (held-out score 7.59 from
    # iteration 50 to 100, 11.0 at 500) that ten streamed passes do not leave;
    # L-BFGS used to stop on that plateau when the data were scaled by 3.
    X = make_gbrbm(5000, 8, 4, weight_scale=3, random_state=0)[0]
    return X[:4000], X[4000:]


@pytest.mark.parametrize(
    "model",
    [
        GBRBMScoreMatching(32, random_state=0),
        # at the learned sigma, ten passes get within 7-10% of L-BFGS here
        MPoTAutoencoder(12, 12, visible_std=1.0, random_state=0),
    ],
    ids=["gbrbm", "mpot"],
)
@pytest.mark.parametrize("objective", ["sm", "dsm"])
def test_ten_passes_of_partial_fit_reach_the_lbfgs_score(
    patches, gbrbm_data, model, objective
):
    X_train, X_test = patches if isinstance(model, MPoTAutoencoder) else gbrbm_data
    model = clone(model).set_params(objective=objective, noise=0.5)
    # L-BFGS on every row, as the streamed passes see them
    full = clone(model).set_params(max_iter=500, validation_fraction=None).fit(X_train)
    streamed = clone(model)
    for _ in range(10):
        for start in range(0, len(X_train), 1000):
            streamed.partial_fit(X_train[start : start + 1000])
    assert streamed.n_iter_ == 40 and len(streamed.loss_curve_) == 40
    reference = full.score(X_test)
    assert abs(streamed.score(X_test) - reference) < 0.05 * abs(reference)


def test_partial_fit_keeps_its_state(patches):
    X = patches[0][:1000]
    model = GBRBMScoreMatching(8, batch_size=100, random_state=0)
    model.partial_fit(X)
    assert model._trainer.adam.count == 10
    first = model.components_.copy()
    model.partial_fit(X)
    assert model._trainer.adam.count == 20 and not np.allclose(model.components_, first)
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:, :5])
    # the same chunks in the same order give the same model
    again = GBRBMScoreMatching(8, batch_size=100, random_state=0)
    again.partial_fit(X).partial_fit(X)
    np.testing.assert_array_equal(again.components_, model.components_)


@pytest.mark.parametrize(
    "model",
    [
        GBRBMScoreMatching(4, objective="fpcd", batch_size=50, random_state=0),
        MPoTAutoencoder(3, 2, objective="pcd", batch_size=50, random_state=0),
        GBRBMScoreMatching(4, objective="dsm", batch_size=50, random_state=0),
    ],
    ids=["gbrbm-fpcd", "mpot-pcd", "gbrbm-dsm"],
)
def test_the_trainer_pickles_and_clone_leaves_it_behind(gbrbm_data, model):
    # the trainer (Adam moments, rng, chains, fast weights, HMC step size) is
    # the whole state of partial_fit: a pickled model continues as the original
    X = gbrbm_data[0][:200]
    model = clone(model).partial_fit(X[:100])
    copy = pickle.loads(pickle.dumps(model))
    for estimator in (model, copy):
        estimator.partial_fit(X[100:])
    np.testing.assert_array_equal(copy.components_, model.components_)
    assert copy.loss_curve_ == model.loss_curve_
    assert not hasattr(clone(model), "_trainer")


def test_partial_fit_after_fit_continues_from_the_fitted_model(gbrbm_data):
    X_train, X_test = gbrbm_data
    model = GBRBMScoreMatching(16, max_iter=50, random_state=0).fit(X_train)
    before, n_iter = model.score(X_test), model.n_iter_
    model.partial_fit(X_train[:1000])
    assert model.n_iter_ == n_iter + 1
    assert abs(model.score(X_test) - before) < 0.05 * abs(before)
    model.fit(X_train)  # a new fit forgets the Adam state
    assert model._trainer is None


def test_partial_fit_keeps_unit_norm_covariance_filters(patches):
    model = MPoTAutoencoder(4, 2, random_state=0).partial_fit(patches[0][:500])
    np.testing.assert_allclose(np.linalg.norm(model.covariance_components_, axis=1), 1)


def test_bad_learning_rate_and_batch_size():
    X = np.random.default_rng(0).normal(size=(20, 3))
    for params, name in [
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
    ]:
        with pytest.raises(ValueError, match=f"'{name}' parameter"):
            GBRBMScoreMatching(**params).partial_fit(X)


def test_denoising_transformer_partial_fit_streams_a_dsm_model(gbrbm_data):
    X = gbrbm_data[0]
    dsm = DenoisingSMTransformer(GBRBMScoreMatching(8), noise=0.5, random_state=0)
    direct = GBRBMScoreMatching(8, objective="dsm", noise=0.5, random_state=0)
    for start in range(0, 2000, 1000):
        dsm.partial_fit(X[start : start + 1000])
        direct.partial_fit(X[start : start + 1000])
    assert dsm.estimator_.objective == "dsm" and dsm.estimator_.n_iter_ == 2
    np.testing.assert_array_equal(dsm.transform(X), direct.transform(X))
    assert dsm.n_features_in_ == X.shape[1]


@pytest.mark.parametrize(
    "model",
    [
        # held-out rows would copy the rows to fit into memory
        GBRBMScoreMatching(8, max_iter=3, validation_fraction=None, random_state=0),
        # a fixed visible_std adds the largest-variance check
        GBRBMScoreMatching(
            8, visible_std=1.0, max_iter=3, validation_fraction=None, random_state=0
        ),
        MPoTAutoencoder(
            4, 4, visible_std=3.0, max_iter=3, validation_fraction=None, random_state=0
        ),
    ],
)
def test_fit_streams_a_memmap_in_bounded_memory(tmp_path, model):
    # fit reads X chunk by chunk: its peak extra memory follows working_memory,
    # not the size of X (here a 12.8 MB file, fitted within a 1 MiB budget)
    rng = np.random.default_rng(0)
    path = tmp_path / "patches.dat"
    X = np.memmap(path, dtype=np.float32, mode="w+", shape=(100_000, 32))
    for start in range(0, len(X), 10_000):
        X[start : start + 10_000] = rng.standard_t(4, size=(10_000, 32))
    X.flush()
    X = np.memmap(path, dtype=np.float32, mode="r", shape=(100_000, 32))
    with config_context(working_memory=1):
        tracemalloc.start()
        model.fit(X)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert model.n_iter_ == 3
    assert peak < X.nbytes / 4, (peak, X.nbytes)
