"""Every public estimator and function against bad input and extreme settings.

Each case asserts its outcome: a ValueError or TypeError whose message names
the problem (``match`` on the parameter or input), or a correct result
(finite, of the expected shape). Data are tiny and iterations few, so the
whole matrix runs in seconds.
"""

import matplotlib
import numpy as np
import pytest
from sklearn.base import clone

from skscore import (
    ConvolutionalFeaturizer,
    DenoisingSMTransformer,
    GBRBMScoreMatching,
    MPoTAutoencoder,
    plotting,
)
from skscore.datasets import load_sample_patches, make_gbrbm
from skscore.preprocessing import (
    ZCAWhitening,
    extract_patches,
    n_patch_positions,
    normalize_patches,
    sample_patches,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # warnings about data far from a parameter's scale are not the outcome
    pytest.mark.filterwarnings("ignore::UserWarning"),
]

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.standard_normal((30, 4))
IMAGES = RNG.uniform(0, 255, (5, 3 * 6 * 6))


def _gbrbm(**params):
    return GBRBMScoreMatching(3, max_iter=2, random_state=0, **params)


def _mpot(**params):
    return MPoTAutoencoder(2, 2, max_iter=2, random_state=0, **params)


def _dsm(**params):
    return DenoisingSMTransformer(_gbrbm(), random_state=0, **params)


def _featurizer(**params):
    return ConvolutionalFeaturizer(
        _gbrbm(),
        patch_size=3,
        image_shape=(3, 6, 6),
        n_patches=40,
        random_state=0,
        **params,
    )


def _zca(**params):
    return ZCAWhitening(**params)


#: name: (a function of parameters making the estimator, its training data)
ESTIMATORS = {
    "GBRBMScoreMatching": (_gbrbm, X),
    "MPoTAutoencoder": (_mpot, X),
    "DenoisingSMTransformer": (_dsm, X),
    "ConvolutionalFeaturizer": (_featurizer, IMAGES),
    "ZCAWhitening": (_zca, X),
}
IMAGE_ESTIMATORS = {"ConvolutionalFeaturizer"}

#: methods of a fitted estimator that take data, by estimator
METHODS = {
    "GBRBMScoreMatching": [
        "transform",
        "score",
        "score_samples",
        "free_energy",
        "reconstruct",
        "denoise",
        "score_terms",
    ],
    "MPoTAutoencoder": ["transform", "score", "free_energy", "reconstruct"],
    "DenoisingSMTransformer": ["transform", "score", "denoise"],
    "ConvolutionalFeaturizer": ["transform"],
    "ZCAWhitening": ["transform"],
}


def _fitted(name):
    make, data = ESTIMATORS[name]
    return make().fit(data)


def _check_result(result, n_rows=None):
    """A correct result: finite, with a row per input row."""
    values = np.asarray(result, dtype=np.float64)
    assert np.isfinite(values).all()
    if n_rows is not None and values.ndim:
        assert values.shape[0] == n_rows


# -- data: each a function of the training data, and the expected outcome ---


def _with_nan(data):
    data = data.astype(float)
    data[1, 2] = np.nan
    return data


def _with_inf(data):
    data = data.astype(float)
    data[0, 0] = np.inf
    return data


def _as(dtype):
    return lambda data: data.astype(dtype)


#: name: (transformation of the data, None for a correct result or the
#: pattern the error message must match)
BAD_DATA = {
    "nan": (_with_nan, "NaN"),
    "inf": (_with_inf, "infinity"),
    "no rows": (lambda data: data[:0], "0 sample"),
    "1-D": (lambda data: data[0], "Expected 2D array"),
    "3-D": (lambda data: data[None], "dim 3"),
    "complex": (_as(np.complex128), "[Cc]omplex"),
    "strings": (lambda data: data.astype(str).astype(object) + "x", "convert|numeric"),
    "float16": (_as(np.float16), None),
    "float32": (_as(np.float32), None),
    "int64": (lambda data: np.round(data * 10).astype(np.int64), None),
    "uint8": (
        lambda data: (
            np.abs(data).astype(np.uint8) + np.eye(*data.shape, dtype=np.uint8)
        ),
        None,
    ),
    "bool": (lambda data: data > np.median(data), None),
    "object numbers": (_as(object), None),
    "list": (lambda data: data.tolist(), None),
}

#: extreme scales of the data, by estimator: None for a correct result, else
#: the pattern the error must match
SCALES = {
    "x 1e-200": (lambda data: data * 1e-200),
    "x 1e200": (lambda data: data * 1e200),
    "x 1e30 float32": (lambda data: (data * 1e30).astype(np.float32)),
    "+ 1e12": (lambda data: data + 1e12),
}
SCALE_OUTCOMES = {
    "GBRBMScoreMatching": {
        "x 1e-200": "scale of X",
        "x 1e200": "scale of X",
        "x 1e30 float32": "scale of X",
        "+ 1e12": None,
    },
    "ZCAWhitening": {
        "x 1e-200": None,
        "x 1e200": "covariance of X overflows",
        "x 1e30 float32": None,
        "+ 1e12": None,
    },
    "ConvolutionalFeaturizer": {
        "x 1e-200": "values of X span",
        "x 1e200": "largest magnitude of X",
        "x 1e30 float32": "largest magnitude of X",
        "+ 1e12": "values of X span",
    },
}
SCALE_OUTCOMES["MPoTAutoencoder"] = SCALE_OUTCOMES["GBRBMScoreMatching"]
SCALE_OUTCOMES["DenoisingSMTransformer"] = SCALE_OUTCOMES["GBRBMScoreMatching"]


def _data_cases():
    for name in ESTIMATORS:
        for case in BAD_DATA:
            yield pytest.param(name, case, id=f"{name}-{case}")


@pytest.mark.parametrize("name, case", list(_data_cases()))
def test_fit_on_bad_data(name, case):
    make, data = ESTIMATORS[name]
    transform, expected = BAD_DATA[case]
    if name in IMAGE_ESTIMATORS and case in ("uint8", "int64", "bool"):
        expected = None
    bad = transform(data)
    if expected is None:
        model = make().fit(bad)
        _check_result(model.transform(bad), len(bad))
    else:
        with pytest.raises((ValueError, TypeError), match=expected):
            make().fit(bad)


@pytest.mark.parametrize(
    "name, case",
    [
        pytest.param(name, case, id=f"{name}-{case}")
        for name in ESTIMATORS
        for case in SCALES
    ],
)
def test_fit_at_extreme_scales(name, case):
    make, data = ESTIMATORS[name]
    bad = SCALES[case](data)
    expected = SCALE_OUTCOMES[name][case]
    if expected is None:
        _check_result(make().fit(bad).transform(bad), len(bad))
    else:
        with pytest.raises(ValueError, match=expected):
            make().fit(bad)


def _method_cases():
    for name, methods in METHODS.items():
        for method in methods:
            for case in [*BAD_DATA, "wrong width", *SCALES]:
                yield pytest.param(name, method, case, id=f"{name}.{method}-{case}")


#: outcomes of the methods of fitted models on data at extreme scales, where
#: they differ from a correct result: rows 1e200 from the model's data
#: overflow whatever the model computes of them but its bounded features
METHOD_SCALE_ERRORS = {
    ("GBRBMScoreMatching", "x 1e200"): {
        "score": "score_terms overflowed",
        "score_samples": "free_energy overflowed",
        "free_energy": "free_energy overflowed",
        "score_terms": "score_terms overflowed",
    },
    ("MPoTAutoencoder", "x 1e200"): {
        "score": "score_terms overflowed",
        "free_energy": "free_energy overflowed",
    },
    ("DenoisingSMTransformer", "x 1e200"): {"score": "score_terms overflowed"},
    # squares of 1e30 overflow float32
    ("GBRBMScoreMatching", "x 1e30 float32"): {
        "score": "score_terms overflowed float32",
        "score_samples": "free_energy overflowed float32",
        "free_energy": "free_energy overflowed float32",
        "score_terms": "score_terms overflowed float32",
    },
    ("MPoTAutoencoder", "x 1e30 float32"): {
        "score": "score_terms overflowed float32",
        "free_energy": "free_energy overflowed float32",
    },
    ("DenoisingSMTransformer", "x 1e30 float32"): {
        "score": "score_terms overflowed float32"
    },
    ("ConvolutionalFeaturizer", "x 1e-200"): {"transform": "values of X span"},
    ("ConvolutionalFeaturizer", "x 1e200"): {"transform": "largest magnitude"},
    ("ConvolutionalFeaturizer", "x 1e30 float32"): {"transform": "largest magnitude"},
    ("ConvolutionalFeaturizer", "+ 1e12"): {"transform": "values of X span"},
}


@pytest.mark.parametrize("name, method, case", list(_method_cases()))
def test_methods_of_a_fitted_model_on_bad_data(name, method, case):
    model = _fitted(name)
    _, data = ESTIMATORS[name]
    if case == "wrong width":
        bad, expected = data[:, :-1], "features"
    elif case in SCALES:
        bad = SCALES[case](data)
        expected = METHOD_SCALE_ERRORS.get((name, case), {}).get(method)
    else:
        transform, expected = BAD_DATA[case]
        bad = transform(data)
        if name in IMAGE_ESTIMATORS and case in ("uint8", "int64", "bool"):
            expected = None
    if expected is None:
        result = getattr(model, method)(bad)
        _check_result(result, None if method == "score" else len(bad))
    else:
        with pytest.raises((ValueError, TypeError), match=expected):
            getattr(model, method)(bad)


# -- hyperparameters ---------------------------------------------------------


#: estimators whose fitted models read their parameters (encoding, threshold,
#: gamma, stride, ...) and so validate them all again; the meta-estimator and
#: the whitening read none after fit (a clone, and fitted matrices)
VALIDATED_AT_USE = {"GBRBMScoreMatching", "MPoTAutoencoder", "ConvolutionalFeaturizer"}


def _parameter_cases():
    for name, (make, _) in ESTIMATORS.items():
        for parameter, constraints in make()._parameter_constraints.items():
            values = ["bogus", -1, np.nan]
            if parameter == "n_jobs":
                values = ["bogus", 1.5, np.nan]  # -1 is every core
            numeric = any(hasattr(c, "left") for c in constraints)
            if numeric:
                values.append(True)
            for value in values:
                yield pytest.param(
                    name, parameter, value, id=f"{name}-{parameter}={value!r}"
                )


@pytest.mark.parametrize("name, parameter, value", list(_parameter_cases()))
def test_invalid_hyperparameters_are_refused_at_fit_and_after_it(
    name, parameter, value
):
    make, data = ESTIMATORS[name]
    with pytest.raises((ValueError, TypeError), match=parameter):
        make().set_params(**{parameter: value}).fit(data)
    if name not in VALIDATED_AT_USE:
        return
    # set_params does not validate; using the fitted model does
    model = _fitted(name).set_params(**{parameter: value})
    with pytest.raises((ValueError, TypeError), match=parameter):
        model.transform(data)


#: extreme but well-typed values: None for a correct fit, else the pattern
#: of the error
EXTREMES = {
    "GBRBMScoreMatching": {
        "n_components": (10**12, "n_components=1000000000000 units"),
        "visible_std": (1e300, "visible_std=1e\\+300"),
        "threshold": (1e300, "'threshold' parameter"),
        "alpha": (1e300, "'alpha' parameter"),
        "n_gibbs_steps": (10**9, "'n_gibbs_steps' parameter"),
        "max_iter": (10**12, None),
        "tol": (1e300, "'tol' parameter"),
        "tol ": (1e10, None),
        "batch_size": (10**12, None),
        "learning_rate": (1e300, None),
        "noise": (1e300, None),  # unused by objective="sm"
        "n_noise_samples": (10**12, None),  # likewise
        "visible_std ": (1e-300, "visible_std=1e-300"),
        "threshold ": (0.0, None),
    },
    "MPoTAutoencoder": {
        "n_covariance": (10**12, "n_covariance=1000000000000"),
        "n_mean": (10**12, "n_mean=1000000000000"),
        "gamma": (1e300, "'gamma' parameter"),
        "gamma ": (1e-300, None),
        "n_leapfrog_steps": (10**9, "'n_leapfrog_steps' parameter"),
        "visible_std": (1e300, "visible_std=1e\\+300"),
    },
    "DenoisingSMTransformer": {
        "noise": (1e300, "noise=1e\\+300"),
        "noise ": (1e-300, "noise=1e-300"),
        "n_noise_samples": (10**12, "n_noise_samples=1000000000000"),
    },
    "ConvolutionalFeaturizer": {
        "patch_size": (10**12, "patch_size=1000000000000 is larger"),
        "stride": (10**12, "stride=1000000000000"),
        "n_patches": (10**12, "n_patches=1000000000000"),
        "threshold": (1e300, "'threshold' parameter"),
        "image_shape": ((3, 6), "image_shape must be"),
        "image_shape ": ((3, 6, 6, 1), "image_shape must be"),
        "image_shape  ": ((3, 0, 6), "image_shape must be"),
    },
    "ZCAWhitening": {"eps": (1e300, None), "eps ": (0.0, None)},
}


@pytest.mark.parametrize(
    "name, parameter",
    [
        pytest.param(name, parameter, id=f"{name}-{parameter.strip()}")
        for name, extremes in EXTREMES.items()
        for parameter in extremes
    ],
)
def test_extreme_hyperparameters(name, parameter):
    make, data = ESTIMATORS[name]
    value, expected = EXTREMES[name][parameter]
    model = make().set_params(**{parameter.strip(): value})
    if expected is None:
        _check_result(model.fit(data).transform(data), len(data))
    else:
        with pytest.raises(ValueError, match=expected):
            model.fit(data)


def test_dsm_at_extreme_noise_names_it():
    for noise in (1e300, 1e-300):
        with pytest.raises(ValueError, match="noise="):
            _gbrbm(objective="dsm", noise=noise).fit(X)


#: settings that shaped a fitted model: changed after fit, refused at use
CHANGED_SINCE_FIT = [
    ("MPoTAutoencoder", {"gamma": 2.0}),
    ("ConvolutionalFeaturizer", {"patch_size": 2}),
    ("ConvolutionalFeaturizer", {"image_shape": (3, 4, 9)}),
    ("ConvolutionalFeaturizer", {"normalize": False}),
]


@pytest.mark.parametrize("name, change", CHANGED_SINCE_FIT)
def test_settings_changed_since_fit_are_refused(name, change):
    model = _fitted(name).set_params(**change)
    (parameter,) = change
    with pytest.raises(ValueError, match=f"{parameter} changed since fit"):
        model.transform(ESTIMATORS[name][1])
    model.fit(ESTIMATORS[name][1])  # fitted again, it takes the new setting
    _check_result(model.transform(ESTIMATORS[name][1]))


#: settings read at use: changed after fit, honoured
HONOURED_AFTER_FIT = [
    ("GBRBMScoreMatching", {"encoding": "relu"}),
    ("GBRBMScoreMatching", {"threshold": 2.0}),
    ("ConvolutionalFeaturizer", {"pooling": None}),
    ("ConvolutionalFeaturizer", {"encoding": "relu"}),
    ("ConvolutionalFeaturizer", {"stride": 2}),
]


@pytest.mark.parametrize("name, change", HONOURED_AFTER_FIT)
def test_settings_read_at_use_are_honoured(name, change):
    make, data = ESTIMATORS[name]
    fitted = _fitted(name).set_params(**change)
    fresh = make(**change).fit(data)
    np.testing.assert_array_equal(fitted.transform(data), fresh.transform(data))


@pytest.mark.parametrize(
    "make, change, expected",
    [
        (_gbrbm, {"objective": "pcd"}, "objective was 'sm'"),
        (_gbrbm, {"visible_std": 2.0}, "visible_std was 'learn'"),
        (_gbrbm, {"n_components": 4}, "fitted with 3 units"),
        (_mpot, {"n_mean": 1}, "fitted with 2 units"),
        (_gbrbm, {"learning_rate": 1e300}, "learning_rate=1e\\+300 is too large"),
        (_gbrbm, {"batch_size": 7}, None),
        (_gbrbm, {"alpha": 0.5}, None),
        (_mpot, {"gamma": 2.0}, None),
    ],
)
def test_partial_fit_with_changed_settings(make, change, expected):
    model = make().partial_fit(X)
    model.set_params(**change)
    if expected is None:
        model.partial_fit(X)
        _check_result(model.transform(X), len(X))
    else:
        with pytest.raises(ValueError, match=expected):
            model.partial_fit(X)


# -- methods' own arguments --------------------------------------------------


@pytest.mark.parametrize(
    "method, arguments, expected",
    [
        ("denoise", {"step_size": np.inf}, "step_size"),
        ("denoise", {"step_size": np.nan}, "step_size"),
        ("denoise", {"step_size": 0}, "step_size"),
        ("denoise", {"step_size": 3.0}, "step_size"),
        ("denoise", {"n_steps": -1}, "n_steps"),
        ("denoise", {"n_steps": 1.5}, "n_steps"),
        ("denoise", {"n_steps": True}, "n_steps"),
        ("denoise", {"step_size": True}, "step_size"),
        ("denoise", {"step_size": 2.0, "n_steps": 3}, None),
        ("sample", {"n_samples": 0}, "n_samples"),
        ("sample", {"n_steps": -1}, "n_steps"),
        ("sample", {"n_samples": 10**12}, "n_samples=1000000000000"),
        ("sample", {"n_samples": True}, "n_samples"),
        ("sample", {"random_state": "a"}, "random_state"),
        ("sample", {"n_samples": 3, "n_steps": 2}, None),
    ],
)
def test_method_arguments(method, arguments, expected):
    model = _fitted("GBRBMScoreMatching")
    call = getattr(model, method)
    args = (X,) if method == "denoise" else ()
    if expected is None:
        _check_result(call(*args, **arguments))
    else:
        with pytest.raises(ValueError, match=expected):
            call(*args, **arguments)


def test_reconstruct_far_from_the_data_keeps_its_values():
    # v - sigma^2 dF/dv = sigma (b - P1 B) is bounded: computed as a
    # difference it cancelled to zeros at X * 1e16
    model = _fitted("GBRBMScoreMatching")
    far = model.reconstruct(X * 1e16)
    sigma, b = model.visible_std_, model.intercept_visible_
    # each row is sigma (b + W^T h) for hidden expectations h in [0, 1]
    h = model.set_params(encoding="expectation").transform(X * 1e16)
    np.testing.assert_allclose(far, sigma * (b + h @ model.components_), rtol=1e-12)
    assert np.abs(far).max() > 0


# -- functions ---------------------------------------------------------------


def _normalized_steps(offset):
    """normalize_patches of integer rows at ``offset``, against small ones."""
    steps = np.array([[0, 3, 7], [5, 5, 6]], dtype=np.int64)
    got = normalize_patches(steps + offset, eps=1e-3)
    # float32 output: a few roundings of its epsilon
    np.testing.assert_allclose(got, normalize_patches(steps, eps=1e-3), rtol=1e-6)
    return got


FLAT = RNG.uniform(0, 255, (2, 3 * 6 * 6))


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: normalize_patches(_with_nan(X)), "NaN"),
        (lambda: normalize_patches(X[:0]), "0 sample"),
        (lambda: normalize_patches(X, eps=0), "'eps' parameter"),
        (lambda: normalize_patches(X * 1e200), "overflow"),
        (lambda: normalize_patches(FLAT.astype(np.float16)), None),
        (lambda: normalize_patches(X * 1e-200), None),
        (lambda: normalize_patches(X.astype(object)), None),
        # integers far beyond float32's (and float64's) steps keep theirs
        (lambda: _normalized_steps(np.int64(2) ** 62), None),
        (lambda: _normalized_steps(-(np.int64(2) ** 62)), None),
        (lambda: ZCAWhitening(eps=0).fit(np.c_[X, X[:, :1]]), "zero variance"),
        (lambda: extract_patches(FLAT, (3, 6, 6), patch_size=7), "patch_size=7"),
        (lambda: extract_patches(FLAT, (3, 6), patch_size=2), "image_shape"),
        (lambda: extract_patches(FLAT, (3, 6, 6), patch_size=True), "patch_size"),
        (lambda: extract_patches(FLAT, (3, 6, 6), stride=0), "stride"),
        (lambda: extract_patches(FLAT[:, :-1], (3, 6, 6)), "Expected flat images"),
        (lambda: extract_patches(FLAT[:0], (3, 6, 6)), "no images"),
        (lambda: extract_patches(FLAT, (3, 6, 6), patch_size=2), None),
        (lambda: sample_patches(FLAT, 10**12, (3, 6, 6), 2), "n_patches=10"),
        (lambda: sample_patches(FLAT, True, (3, 6, 6), 2), "n_patches"),
        (lambda: sample_patches(FLAT, 0, (3, 6, 6), 2), "n_patches"),
        (lambda: sample_patches(FLAT, 5, (3, 6, 6), 2), None),
        (lambda: n_patch_positions((3, 6, 6), 2, stride=True), "stride"),
        (lambda: n_patch_positions((3, 6, 6), 0), "patch_size"),
        (lambda: load_sample_patches(6, 1.5), "n_patches"),
        (lambda: load_sample_patches(6, 10**9), "n_patches=1000000000"),
        (lambda: load_sample_patches(0, 10), "patch_size"),
        (lambda: load_sample_patches(10**6, 10), "patch_size=1000000"),
        (lambda: load_sample_patches(True, 10), "patch_size"),
        (lambda: load_sample_patches(4, 10, random_state=0), None),
        (lambda: make_gbrbm(-5), "n_samples"),
        (lambda: make_gbrbm(10, visible_std=0.0), "visible_std"),
        (lambda: make_gbrbm(10, visible_std=1e308), "visible_std"),
        (lambda: make_gbrbm(10, weight_scale=1e300), "weight_scale"),
        (lambda: make_gbrbm(10, n_components=17), "n_components"),
        (lambda: make_gbrbm(10, n_features=True), "n_features"),
        (lambda: make_gbrbm(10**12), "n_samples=1000000000000"),
        (lambda: make_gbrbm(10, random_state=0)[0], None),
    ],
)
def test_functions(call, expected):
    _check_call(call, expected)


def _check_call(call, expected):
    if expected is None:
        _check_result(call())
    else:
        with pytest.raises((ValueError, TypeError), match=expected):
            call()


def test_clones_of_models_refused_a_setting_fit_again():
    # a refused change leaves the model usable once set back
    model = _fitted("MPoTAutoencoder")
    model.set_params(gamma=3.0)
    with pytest.raises(ValueError, match="gamma changed since fit"):
        model.score(X)
    model.set_params(gamma=1.0)
    _check_result(model.score(X))
    _check_result(clone(model).fit(X).score(X))


PATCHES = RNG.standard_normal((5, 4))


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: plotting.plot_filters(PATCHES[:0], (2, 2)), "0 sample"),
        (lambda: plotting.plot_filters(PATCHES, (3, 3)), "image_shape=\\(3, 3\\)"),
        (lambda: plotting.plot_filters(PATCHES, (2, 2), n_filters=0), "n_filters"),
        (lambda: plotting.plot_filters(_with_nan(PATCHES), (2, 2)), "NaN"),
        (lambda: plotting.plot_filters(0 * PATCHES, (2, 2)), None),
        (lambda: plotting.plot_mpot_filters(_mpot(), (2, 2)), "not fitted"),
        (lambda: plotting.plot_mpot_filters(_fitted("MPoTAutoencoder"), (2, 2)), None),
        (lambda: plotting.plot_score_terms({}, X), "estimators is empty"),
        (lambda: plotting.plot_score_terms({"a": _gbrbm()}, X, n_rounds=0), "n_rounds"),
        (lambda: plotting.plot_score_terms({"a": _gbrbm()}, X[:0]), "0 sample"),
        (lambda: plotting.plot_score_terms({"a": _gbrbm()}, X, n_rounds=2), None),
        (lambda: plotting.plot_denoising(*[PATCHES[:0]] * 3, (2, 2)), "0 sample"),
        (
            lambda: plotting.plot_denoising(PATCHES, PATCHES[:2], PATCHES, (2, 2)),
            "same patches",
        ),
        (lambda: plotting.plot_denoising(*[PATCHES] * 3, (3, 3)), "image_shape"),
        (
            lambda: plotting.plot_denoising(*[PATCHES] * 3, (2, 2), n_images=0),
            "n_images",
        ),
        (lambda: plotting.plot_denoising(*[0 * PATCHES] * 3, (2, 2)), None),
    ],
)
def test_plotting_functions(call, expected):
    try:
        if expected is None:
            axes = np.atleast_1d(call())
            assert all(ax.images or ax.lines for ax in axes)
        else:
            with pytest.raises((ValueError, TypeError), match=expected):
                call()
    finally:
        plt.close("all")
