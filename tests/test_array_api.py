"""Arrays of other Array API namespaces: array_api_strict and PyTorch tensors.

Every energy function, objective and gradient computed on them equals the
NumPy path; the estimators fit, encode and score them under scikit-learn's
array API dispatch and keep their fitted arrays in the input's namespace.
"""

import copy

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.cluster import MiniBatchKMeans
from tolerances import featurizer_atol, input_rounding_atol

from skscore import (
    ConvolutionalFeaturizer,
    DenoisingSMTransformer,
    GBRBMScoreMatching,
    MPoTAutoencoder,
)
from skscore._array_api import ArraySpace, namespace, to_numpy
from skscore.energies import gaussian, gbrbm, mpot

array_api_strict = pytest.importorskip("array_api_strict")
try:
    import torch
except ImportError:  # optional: the tests on tensors skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True, scope="module")
def _oldest_standard():
    """The 2023.12 standard, whose functions take no Python scalars."""
    array_api_strict.set_array_api_strict_flags(api_version="2023.12")
    yield
    array_api_strict.reset_array_api_strict_flags()


def _strict(array):
    return array_api_strict.asarray(np.array(array, copy=True))


def _torch(array):
    return torch.asarray(np.array(array, copy=True))


NAMESPACES = [
    pytest.param(_strict, id="array_api_strict"),
    pytest.param(_torch, id="torch", marks=needs_torch),
]
RTOL = {np.float64: 1e-11, np.float32: 2e-5}
#: 15 L-BFGS iterations amplify the round-off differences of the two paths
FIT_RTOL = 1e-7


def _params(model, rng):
    params, sizes = {}, {"n_features": 6}
    for name, parameter in model.parameters.items():
        shape = tuple(
            sizes.setdefault(axis, len(sizes) + 2) for axis in parameter.shape
        )
        params[name] = 0.3 * rng.standard_normal(shape)
    params["log_visible_std"] = np.array(-0.2)
    if "gamma" in params:
        params["gamma"] = np.array(1.5)
    return params


def _assert_close(actual, expected, dtype=None, rtol=None):
    actual = to_numpy(actual)
    scale = max(np.abs(expected).max(), 1e-30)
    rtol = RTOL[dtype] if rtol is None else rtol
    np.testing.assert_array_less(np.abs(actual - expected).max() / scale, rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("convert", NAMESPACES)
@pytest.mark.parametrize("module", [gbrbm, mpot, gaussian], ids=lambda m: m.__name__)
def test_energy_functions_and_objectives_equal_the_numpy_path(module, convert, dtype):
    model = module.MODEL
    rng = np.random.default_rng(0)
    # few rows: the tolerances take each entry's sensitivity in turn
    X = rng.standard_normal((12, 6)).astype(dtype)
    samples = (0.5 * rng.standard_normal((8, 6))).astype(dtype)
    draws = (0.3 * rng.standard_normal((2, *X.shape))).astype(dtype)
    params = {k: v.astype(dtype) for k, v in _params(model, rng).items()}
    X_xp, samples_xp, draws_xp = convert(X), convert(samples), convert(draws)
    params_xp = {name: convert(value) for name, value in params.items()}
    xp = namespace(X_xp)

    # both paths round in dtype, each within the outputs' sensitivity to
    # roundings of their inputs' size (input_rounding_atol, taken in float64)
    inputs = {"X": X, "samples": samples, "draws": draws, **params}

    def in_float64(method, *names, after=()):
        """``model.method`` of the named inputs, the parameters, then ``after``
        inputs, as one flat array (an objective's loss, then its gradients)."""

        def function(values):
            model_params = {name: values[name] for name in params}
            args = [values[name] for name in names]
            result = getattr(model, method)(*args, model_params, *after)
            if isinstance(result, tuple) and isinstance(result[1], dict):
                return np.concatenate([[result[0]], *map(np.ravel, result[1].values())])
            if isinstance(result, tuple):
                return np.concatenate([np.ravel(part) for part in result])
            return result

        return function

    def assert_within_rounding(actual, function):
        expected = function(inputs)
        atol = input_rounding_atol(function, inputs, dtype)
        assert np.all(np.abs(actual - expected) <= atol)

    for function in (
        "free_energy",
        "grad_free_energy",
        "hidden_expectations",
        "reconstruct",
        "sm_terms",
    ):
        result = getattr(model, function)(X_xp, params_xp)
        assert namespace(result) is xp and result.dtype == X_xp.dtype
        assert_within_rounding(to_numpy(result), in_float64(function, "X"))
    filters = model.input_filters(params_xp)
    assert_within_rounding(
        np.concatenate([np.ravel(to_numpy(part)) for part in filters]),
        in_float64("input_filters"),
    )

    # the named inputs before the parameters, the arguments on xp, and the
    # arguments after the parameters (dsm's draws and noise)
    objectives = {
        "sm": (("X",), (X_xp, params_xp), ()),
        "ae": (("X",), (X_xp, params_xp), ()),
        "dsm": (("X",), (X_xp, params_xp, draws_xp, 0.3), (draws, 0.3)),
        "contrastive": (("X", "samples"), (X_xp, samples_xp, params_xp), ()),
    }
    for objective, (names, args_xp, after) in objectives.items():
        loss_xp, grads_xp = getattr(model, objective)(*args_xp)
        assert isinstance(loss_xp, float)
        assert list(grads_xp) == [n for n in params if n in grads_xp]
        for grad in grads_xp.values():
            assert namespace(grad) is xp
        ours = np.concatenate(
            [[loss_xp], *(np.ravel(to_numpy(g)) for g in grads_xp.values())]
        )
        assert_within_rounding(ours, in_float64(objective, *names, after=after))


@pytest.mark.parametrize("convert", NAMESPACES)
def test_chunks_of_other_namespaces_follow_working_memory(convert):
    """Small ``working_memory`` chunks the rows; the results do not change."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 6))
    params = _params(mpot.MODEL, rng)
    X_xp = convert(X)
    params_xp = {name: convert(value) for name, value in params.items()}
    whole_loss, whole = mpot.sm(X_xp, params_xp)
    with sklearn.config_context(working_memory=0.01):  # ~100 rows a chunk
        loss, grads = mpot.sm(X_xp, params_xp)
        terms = mpot.sm_terms(X_xp, params_xp)
    assert loss == pytest.approx(whole_loss, rel=1e-12)
    for name, grad in grads.items():
        _assert_close(grad, to_numpy(whole[name]), np.float64)
    _assert_close(terms, mpot.sm_terms(X, params), np.float64)


ESTIMATORS = {
    "gbrbm": GBRBMScoreMatching(n_components=5, max_iter=15, random_state=0),
    "mpot": MPoTAutoencoder(n_covariance=4, n_mean=3, max_iter=15, random_state=0),
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((120, 6)) @ rng.standard_normal((6, 6))


@pytest.mark.parametrize("objective", ["sm", "dsm", "ae"])
@pytest.mark.parametrize("convert", NAMESPACES)
@pytest.mark.parametrize("estimator", ESTIMATORS.values(), ids=ESTIMATORS)
def test_fit_on_other_namespaces_equals_numpy(estimator, convert, objective, data):
    """L-BFGS on the host, objectives on the device: the same fit as NumPy's."""
    estimator = clone(estimator).set_params(objective=objective, noise=0.5)
    expected = clone(estimator).fit(data)
    X = convert(data)
    xp = namespace(X)
    with sklearn.config_context(array_api_dispatch=True):
        fitted = estimator.fit(X)
        outputs = {
            "transform": fitted.transform(X),
            "score_samples": fitted.score_samples(X),
            "reconstruct": fitted.reconstruct(X),
            "score_terms": fitted.score_terms(X),
            "denoise": fitted.denoise(X),
        }
        score = fitted.score(X)
        filters = fitted.input_filters()
    assert fitted.n_iter_ == expected.n_iter_
    assert fitted.visible_std_ == pytest.approx(expected.visible_std_, rel=FIT_RTOL)
    for name in ("components_", "intercept_hidden_", "intercept_visible_"):
        assert namespace(getattr(fitted, name)) is xp
        _assert_close(getattr(fitted, name), getattr(expected, name), rtol=FIT_RTOL)
    for method, output in outputs.items():
        assert namespace(output) is xp
        expected_output = getattr(expected, method)(data)
        _assert_close(output, expected_output, rtol=FIT_RTOL)
    assert score == pytest.approx(expected.score(data), rel=FIT_RTOL)
    for ours, theirs in zip(filters, expected.input_filters(), strict=True):
        assert namespace(ours) is xp
        _assert_close(ours, theirs, rtol=FIT_RTOL)


@needs_torch
@pytest.mark.parametrize("encoding", ["expectation", "relu", "soft_threshold"])
def test_every_encoding_on_tensors(encoding, data):
    estimator = clone(ESTIMATORS["mpot"]).set_params(encoding=encoding)
    expected = clone(estimator).fit(data).transform(data)
    X = torch.asarray(data.astype(np.float32))
    with sklearn.config_context(array_api_dispatch=True):
        features = estimator.fit(X).transform(X)
    assert isinstance(features, torch.Tensor) and features.dtype == torch.float32
    assert features.shape == expected.shape
    # float32 fits drift from float64 ones: compare the encoding of one model
    with sklearn.config_context(array_api_dispatch=True):
        again = estimator.transform(X)
    assert torch.equal(features, again)
    assert np.abs(to_numpy(features) - expected).max() < 0.1 * np.abs(expected).max()


@pytest.mark.parametrize("objective", ["pcd", "cd"])
def test_minibatch_training_runs_on_the_host(objective, data):
    """The Markov chains run on the host: fits equal NumPy's, arrays in X's."""
    estimator = clone(ESTIMATORS["gbrbm"]).set_params(
        objective=objective, max_iter=2, batch_size=40
    )
    expected = clone(estimator).fit(data)
    X = _strict(data)
    with sklearn.config_context(array_api_dispatch=True):
        fitted = estimator.fit(X)
        fitted.partial_fit(X)
        samples = fitted.sample(3, n_steps=2, random_state=0)
    expected.partial_fit(data)
    assert namespace(fitted.components_) is array_api_strict
    np.testing.assert_allclose(to_numpy(fitted.components_), expected.components_)
    assert namespace(samples) is array_api_strict


@needs_torch
def test_denoising_transformer_on_tensors(data):
    dsm = DenoisingSMTransformer(clone(ESTIMATORS["gbrbm"]), noise=0.5, random_state=0)
    expected = clone(dsm).fit(data)
    X = torch.asarray(data)
    with sklearn.config_context(array_api_dispatch=True):
        features = dsm.fit(X).transform(X)
        score = dsm.score(X)
    assert isinstance(dsm.estimator_.components_, torch.Tensor)
    _assert_close(features, expected.transform(data), rtol=FIT_RTOL)
    assert score == pytest.approx(expected.score(data), rel=FIT_RTOL)
    assert dsm.__sklearn_tags__().array_api_support


@needs_torch
@pytest.mark.parametrize("estimator", ESTIMATORS.values(), ids=ESTIMATORS)
def test_other_namespace_than_fit_is_refused(estimator, data):
    fitted = clone(estimator).set_params(max_iter=2).fit(data)
    with sklearn.config_context(array_api_dispatch=True):
        for method in ("transform", "score", "score_samples", "reconstruct"):
            with pytest.raises(ValueError, match=rf"\.{method}\(\) must use the same"):
                getattr(fitted, method)(_strict(data))
        torch_fitted = clone(estimator).set_params(max_iter=2).fit(_torch(data))
        with pytest.raises(ValueError, match="fitted on array_api_compat.torch"):
            torch_fitted.transform(data)
    # without dispatch everything is NumPy: the fitted tensors are converted
    assert isinstance(torch_fitted.transform(data), np.ndarray)


@needs_torch
def test_without_dispatch_tensors_become_numpy(data):
    fitted = clone(ESTIMATORS["gbrbm"]).fit(torch.asarray(data))
    assert isinstance(fitted.components_, np.ndarray)
    assert isinstance(fitted.transform(torch.asarray(data)), np.ndarray)


def test_array_api_support_tags():
    for estimator in [*ESTIMATORS.values(), DenoisingSMTransformer()]:
        assert estimator.__sklearn_tags__().array_api_support
    assert ConvolutionalFeaturizer().__sklearn_tags__().array_api_support


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(12, 3 * 10 * 10)).astype(np.float32)


@pytest.mark.parametrize("pooling", ["quadrant", None])
@pytest.mark.parametrize("encoding", ["soft_threshold", "relu", "transform"])
@pytest.mark.parametrize("convert", NAMESPACES)
def test_featurizer_encodes_on_the_device(convert, encoding, pooling, images):
    """The device path gives the NumPy path's features, from the same model."""
    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(n_components=5, max_iter=5, random_state=0),
        image_shape=(3, 10, 10),
        patch_size=4,
        stride=2,
        n_patches=300,
        encoding=encoding,
        pooling=pooling,
        random_state=0,
    )
    X = convert(images)
    with sklearn.config_context(array_api_dispatch=True):
        fitted = featurizer.fit(X)
        features = fitted.transform(X)
    assert namespace(fitted.estimator_.components_) is namespace(X)
    assert namespace(features) is namespace(X) and features.dtype == X.dtype
    # the same model moved to the host encodes with the NumPy path
    host = copy.deepcopy(fitted)
    for name, value in vars(host.estimator_).items():
        if hasattr(value, "__dlpack__") and not isinstance(value, np.ndarray):
            setattr(host.estimator_, name, to_numpy(value))
    host._space = ArraySpace("numpy", None, np.dtype(np.float32))
    expected = host.transform(images)
    assert isinstance(expected, np.ndarray)
    atol = featurizer_atol(host, images)  # two float32 computations
    np.testing.assert_allclose(to_numpy(features), expected, rtol=0, atol=atol)
    # as scikit-learn requires, a model fitted on one namespace refuses another
    with sklearn.config_context(array_api_dispatch=True):
        match = r"ConvolutionalFeaturizer\.transform\(\) must use the same"
        with pytest.raises(ValueError, match=match):
            host.transform(X)


@needs_torch
def test_featurizer_fits_estimators_without_array_api_on_the_host(images):
    """MiniBatchKMeans fits on host patches; its centroids encode on the device."""
    featurizer = ConvolutionalFeaturizer(
        MiniBatchKMeans(6, n_init=1, random_state=0),
        image_shape=(3, 10, 10),
        patch_size=4,
        stride=2,
        n_patches=300,
        random_state=0,
    )
    expected = clone(featurizer).fit(images).transform(images)
    X = torch.asarray(images)
    with sklearn.config_context(array_api_dispatch=True):
        features = featurizer.fit(X).transform(X)
        codes = featurizer.set_params(encoding="transform").transform(X)
    assert isinstance(featurizer.estimator_.cluster_centers_, np.ndarray)
    assert isinstance(features, torch.Tensor) and isinstance(codes, torch.Tensor)
    atol = featurizer_atol(featurizer.set_params(encoding="soft_threshold"), images)
    np.testing.assert_allclose(features.numpy(), expected, rtol=0, atol=atol)
    assert codes.shape == (len(images), 4 * 6)


@needs_torch
def test_continuing_a_fit_on_another_namespace_is_refused(data):
    estimator = clone(ESTIMATORS["gbrbm"]).set_params(max_iter=2)
    with sklearn.config_context(array_api_dispatch=True):
        partial = clone(estimator).partial_fit(_torch(data))
        with pytest.raises(ValueError, match=r"\.partial_fit\(\) must use the same"):
            partial.partial_fit(data)
        warm = clone(estimator).set_params(warm_start=True).fit(_strict(data))
        with pytest.raises(ValueError, match=r"\.fit\(\) must use the same"):
            warm.fit(_torch(data))
        dsm = DenoisingSMTransformer(estimator, random_state=0).partial_fit(
            _torch(data)
        )
        with pytest.raises(ValueError, match=r"Transformer\.partial_fit\(\) must"):
            dsm.partial_fit(data)


@needs_torch
def test_unusual_tensors(data):
    estimator = clone(ESTIMATORS["gbrbm"]).set_params(max_iter=2)
    X = torch.asarray(data)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="Complex data not supported"):
            clone(estimator).fit(X.to(torch.complex128))
        with pytest.raises(TypeError, match="Sparse tensors are not supported"):
            clone(estimator).fit(X.to_sparse())
        # gradients are not tracked through the estimators
        X_grad = X.clone().requires_grad_(True)
        fitted = clone(estimator).fit(X_grad)
        assert not fitted.transform(X_grad).requires_grad
        assert not fitted.score_samples(X_grad).requires_grad
        # float32 statistics are scaled: tiny data is "too small", not constant
        with pytest.raises(ValueError, match="The scale of X"):
            clone(estimator).fit(X.float() * 1e-25)
        assert np.isfinite(fitted.score(X * 1e18))


def test_input_filters_are_copies(data):
    fitted = clone(ESTIMATORS["gbrbm"]).set_params(max_iter=2).fit(data)
    before = fitted.intercept_hidden_.copy()
    _, intercepts = fitted.input_filters()
    intercepts += 100
    np.testing.assert_array_equal(fitted.intercept_hidden_, before)


@pytest.mark.parametrize("to", NAMESPACES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_whitening_and_patch_normalization_compute_in_the_input_namespace(to, dtype):
    from skscore.preprocessing import ZCAWhitening, normalize_patches

    X = np.random.default_rng(0).uniform(0, 255, (60, 12)).astype(dtype)
    expected = {
        "white": ZCAWhitening().fit(X).transform(X),
        "normalized": normalize_patches(X),
    }
    with sklearn.config_context(array_api_dispatch=True):
        X_other = to(X)
        zca = ZCAWhitening().fit(X_other)
        got = {
            "white": zca.transform(X_other),
            "normalized": normalize_patches(X_other),
        }
    for name, value in got.items():
        assert namespace(value) is namespace(X_other), name
        assert to_numpy(value).dtype == dtype, name
        # entries near 0: the tolerance is relative to the largest
        scale = np.abs(expected[name]).max()
        np.testing.assert_allclose(
            to_numpy(value), expected[name], rtol=0, atol=RTOL[dtype] * scale
        )
    assert namespace(zca.whitening_) is namespace(X_other)
