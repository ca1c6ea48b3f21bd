"""Meta-estimator that fits a score matching estimator by denoising score matching."""

import inspect
from numbers import Integral, Real

from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._array_api import check_space
from ._gbrbm import GBRBMScoreMatching
from ._typing import RandomStateLike


def _delegate(name, always=False):
    """The method ``name`` of ``estimator_``, where ``always`` or it has one."""
    signature = inspect.signature(getattr(GBRBMScoreMatching, name))
    takes_X = "X" in signature.parameters

    def method(self, *args, **kwargs):
        X = (args[0] if args else kwargs.get("X")) if takes_X else None
        return getattr(self._fitted(X, name), name)(*args, **kwargs)

    method.__name__, method.__qualname__ = name, f"DenoisingSMTransformer.{name}"
    method.__signature__ = signature
    method.__doc__ = f"``estimator_.{name}``: see :meth:`GBRBMScoreMatching.{name}`."
    return method if always else available_if(_wrapped_has(name))(method)


def _wrapped_has(name):
    """Whether ``estimator_`` once fitted, else ``estimator``, has ``name``."""
    return lambda self: hasattr(getattr(self, "estimator_", self._estimator()), name)


class DenoisingSMTransformer(MetaEstimatorMixin, TransformerMixin, BaseEstimator):
    """Fit a clone of a score matching estimator by denoising score matching.

    Fitting it fits ``clone(estimator).set_params(objective="dsm", noise=noise,
    n_noise_samples=n_noise_samples)`` (the same numbers), kept as
    ``estimator_``, whose methods it has. It adds a fixed objective: one search
    can range over ``estimator`` (any of skscore's, an
    :class:`EnergyModelTransformer` of any model) and ``noise`` together, the
    candidates compared by ``score``, the held-out score matching objective,
    which does not depend on ``noise``.

    Parameters
    ----------
    estimator : estimator object, default=None
        One with the parameters ``objective``, ``noise`` and
        ``n_noise_samples``; None means ``GBRBMScoreMatching()``.

    noise : float, default=0.1
        Standard deviation of the Gaussian corruption, in the units of ``X``.

    n_noise_samples : int, default=1
        Number of corrupted copies of each row.

    random_state : int, RandomState instance or None, default=None
        The clone's; None keeps that of ``estimator``.

    verbose : int, default=0
        The clone's if positive; 0 keeps that of ``estimator``.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone, whose ``n_features_in_`` and ``feature_names_in_``
        (where it has them) are also the meta-estimator's.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skscore import DenoisingSMTransformer, GBRBMScoreMatching
    >>> X = load_digits().data[:500]
    >>> dsm = DenoisingSMTransformer(GBRBMScoreMatching(16, max_iter=20), noise=2.0)
    >>> dsm.fit(X).estimator_.objective, dsm.transform(X).shape
    ('dsm', (500, 32))
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "transform", "score"]), None],
        "noise": [Interval(Real, 0, None, closed="neither")],
        "n_noise_samples": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator: BaseEstimator | None = None,
        noise: float = 0.1,
        n_noise_samples: int = 1,
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ):
        self.estimator = estimator
        self.noise = noise
        self.n_noise_samples = n_noise_samples
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: ArrayLike, y: None = None) -> "DenoisingSMTransformer":
        """Fit ``estimator_`` to X; a fitted one continues where ``warm_start``."""
        return self._run("fit", X, getattr(self._estimator(), "warm_start", False))

    @available_if(_wrapped_has("partial_fit"))
    @_fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X: ArrayLike, y: None = None) -> "DenoisingSMTransformer":
        """``estimator_.partial_fit(X)``, the clone of the first call continued."""
        return self._run("partial_fit", X, True)

    transform = _delegate("transform", always=True)
    score = _delegate("score", always=True)
    score_samples = _delegate("score_samples")
    free_energy = _delegate("free_energy")
    reconstruct = _delegate("reconstruct")
    denoise = _delegate("denoise")
    score_terms = _delegate("score_terms")
    sample = _delegate("sample")
    input_filters = _delegate("input_filters")
    get_feature_names_out = _delegate("get_feature_names_out")
    _unit_names = _delegate("_unit_names")  # read by the featurizer

    def _estimator(self):
        return GBRBMScoreMatching() if self.estimator is None else self.estimator

    def _dsm_clone(self):
        estimator = clone(self._estimator()).set_params(
            objective="dsm", noise=self.noise, n_noise_samples=self.n_noise_samples
        )
        if self.random_state is not None:
            estimator.set_params(random_state=self.random_state)
        if self.verbose:
            estimator.set_params(verbose=self.verbose)
        return estimator

    def _run(self, method, X, continues):
        """``estimator_.method(X)``, a new clone unless ``continues`` a fitted one."""
        if continues and hasattr(self, "estimator_"):
            # its partial_fit or warm start honours the settings, or refuses
            settings = self._dsm_clone().get_params(deep=False)
            self._fitted(X, method).set_params(**settings)
        else:
            self.estimator_ = self._dsm_clone()
        getattr(self.estimator_, method)(X)
        self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

    def _fitted(self, X, method):
        """The fitted estimator, for ``method`` on X (None: no X)."""
        check_is_fitted(self)
        space = getattr(self.estimator_, "_space", None)  # skscore's record
        if X is not None and space is not None:
            check_space(X, space, self, method)
        return self.estimator_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        wrapped = self._estimator().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = wrapped.transformer_tags.preserves_dtype
        tags.array_api_support = wrapped.array_api_support
        return tags
