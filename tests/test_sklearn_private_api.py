"""The private scikit-learn APIs skscore's estimators are built on.

``sklearn.base._fit_context`` and ``sklearn.utils._param_validation`` are
private: scikit-learn may move or change them in any release, without a
deprecation period. skscore does not cap scikit-learn's version for them;
these tests pin what skscore relies on instead, so that a release that
changes them fails here, saying what moved, rather than deep inside an
estimator.
"""

import importlib
import re
from numbers import Integral, Real

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator

from skscore import ConvolutionalFeaturizer, DenoisingSMTransformer, GBRBMScoreMatching
from skscore.datasets import load_cifar10

PRIVATE = [
    ("sklearn.base", "_fit_context"),
    ("sklearn.utils._param_validation", "HasMethods"),
    ("sklearn.utils._param_validation", "Interval"),
    ("sklearn.utils._param_validation", "InvalidParameterError"),
    ("sklearn.utils._param_validation", "StrOptions"),
    ("sklearn.utils._param_validation", "validate_params"),
]


def _private(module, name):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        pytest.fail(
            f"scikit-learn {sklearn.__version__} has no {module}.{name}, a private "
            f"API skscore's estimators use ({exc}). Port skscore to what replaced "
            "it, or use a scikit-learn release that has it (skscore was tested "
            "with 1.6 to 1.9).",
            pytrace=False,
        )


@pytest.mark.parametrize("module, name", PRIVATE, ids=[name for _, name in PRIVATE])
def test_private_names_exist(module, name):
    _private(module, name)


def _model(prefer_skip_nested_validation):
    fit_context = _private("sklearn.base", "_fit_context")
    HasMethods = _private("sklearn.utils._param_validation", "HasMethods")
    Interval = _private("sklearn.utils._param_validation", "Interval")
    StrOptions = _private("sklearn.utils._param_validation", "StrOptions")

    class Model(BaseEstimator):
        _parameter_constraints = {
            "n": [Interval(Integral, 1, None, closed="left")],
            "tol": [Interval(Real, 0, None, closed="neither")],
            "kind": [StrOptions({"a", "b"})],
            "estimator": [HasMethods(["fit"]), None],
        }

        def __init__(self, n=1, tol=1.0, kind="a", estimator=None):
            self.n = n
            self.tol = tol
            self.kind = kind
            self.estimator = estimator

        @fit_context(prefer_skip_nested_validation=prefer_skip_nested_validation)
        def fit(self, X=None, y=None):
            if self.estimator is not None:
                self.estimator.fit(X)
            self.fitted_ = True
            return self

    return Model


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n": 0}, "The 'n' parameter of Model must be an int in the range [1, inf)"),
        ({"n": 1.5}, "The 'n' parameter of Model must be an int"),
        ({"tol": 0.0}, "The 'tol' parameter of Model must be a float in the range"),
        ({"kind": "c"}, "The 'kind' parameter of Model must be a str among"),
        ({"estimator": "x"}, "an object implementing 'fit' or None"),
    ],
)
def test_fit_context_validates_parameter_constraints(params, message):
    InvalidParameterError = _private(
        "sklearn.utils._param_validation", "InvalidParameterError"
    )
    Model = _model(True)
    assert Model().fit().fitted_
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        Model(**params).fit()
    # skscore's tests and users catch it as either
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(InvalidParameterError, TypeError)
    with sklearn.config_context(skip_parameter_validation=True):
        assert Model(n=0, tol=0.0, kind="c").fit().fitted_


def test_nested_validation_follows_prefer_skip_nested_validation():
    # DenoisingSMTransformer validates the estimator it wraps (False), the
    # estimators themselves skip what they call (True)
    InvalidParameterError = _private(
        "sklearn.utils._param_validation", "InvalidParameterError"
    )
    inner = _model(True)(n=0)
    with pytest.raises(InvalidParameterError, match="'n' parameter"):
        _model(False)(estimator=inner).fit()
    assert _model(True)(estimator=inner).fit().fitted_


def test_validate_params_checks_function_arguments():
    validate_params = _private("sklearn.utils._param_validation", "validate_params")
    StrOptions = _private("sklearn.utils._param_validation", "StrOptions")
    InvalidParameterError = _private(
        "sklearn.utils._param_validation", "InvalidParameterError"
    )

    @validate_params(
        {"subset": [StrOptions({"train"})]}, prefer_skip_nested_validation=True
    )
    def load(subset="train"):
        return subset

    assert load("train") == "train"
    with pytest.raises(
        InvalidParameterError, match="The 'subset' parameter of .*load must be"
    ):
        load("test")


def test_skscore_estimators_and_functions_reject_bad_parameters():
    InvalidParameterError = _private(
        "sklearn.utils._param_validation", "InvalidParameterError"
    )
    X = np.random.default_rng(0).normal(size=(20, 4))
    with pytest.raises(InvalidParameterError, match="n_components"):
        GBRBMScoreMatching(n_components=0).fit(X)
    with pytest.raises(InvalidParameterError, match="n_components"):
        DenoisingSMTransformer(GBRBMScoreMatching(n_components=0)).fit(X)
    with pytest.raises(InvalidParameterError, match="stride"):
        ConvolutionalFeaturizer(stride=0).fit(np.zeros((2, 3072)))
    with pytest.raises(InvalidParameterError, match="subset"):
        load_cifar10("validation")
