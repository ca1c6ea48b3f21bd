"""Meta-estimator that fits a score matching model by denoising score matching."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
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

from ._array_api import check_same_namespace
from ._gbrbm import GBRBMScoreMatching
from ._typing import RandomStateLike


def _estimator_has(attr):
    """Check, for ``available_if``, that the wrapped estimator has ``attr``.

    The fitted ``estimator_`` once there is one, else ``estimator``.
    """

    def check(self):
        fitted = getattr(self, "estimator_", None)
        getattr(self._estimator() if fitted is None else fitted, attr)
        return True

    return check


class DenoisingSMTransformer(MetaEstimatorMixin, TransformerMixin, BaseEstimator):
    """Fit a score matching estimator by denoising score matching at noise ``noise``.

    Denoising score matching (Vincent, 2011) matches the model's score to that
    of the data blurred by Gaussian noise of standard deviation ``noise``: it
    trains a denoising autoencoder, needs no second derivatives, and its one
    hyperparameter, ``noise``, is what this meta-estimator exposes, so that
    ``GridSearchCV`` can tune it like any other parameter. ``score`` is the
    held-out score matching objective, which does not depend on ``noise``: an
    unsupervised ``GridSearchCV`` (no ``y``) over ``noise`` picks the level whose
    model best matches the clean data's score.

    Parameters
    ----------
    estimator : estimator object, default=None
        The model to fit, a :class:`GBRBMScoreMatching` or
        :class:`MPoTAutoencoder`; None means ``GBRBMScoreMatching()``. A clone
        is fitted with ``objective="dsm"`` and the parameters below.

    noise : float, default=0.1
        Standard deviation of the Gaussian corruption, in the units of ``X``.

    n_noise_samples : int, default=1
        Number of corrupted copies of each row.

    random_state : int, RandomState instance or None, default=None
        Seeds the corruptions (drawn once per ``fit``, so that L-BFGS sees a
        deterministic objective) and the initial parameters. None keeps the
        random state of ``estimator``.

    verbose : int, default=0
        If positive, sets the ``verbose`` of the fitted clone, which logs its
        progress (see :class:`GBRBMScoreMatching`); 0 keeps that of
        ``estimator``.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    GBRBMScoreMatching : The default estimator.
    MPoTAutoencoder : Mean-covariance product of Student-t model.

    Notes
    -----
    Every method but ``fit`` delegates to the fitted ``estimator_``. Those
    an estimator may lack (``partial_fit``, ``sample``, ``input_filters``,
    ...) exist only where ``estimator`` has them, so ``hasattr`` tells, as
    for scikit-learn's meta-estimators; ``transform`` and ``score`` always
    exist, the parameter constraints requiring them of ``estimator``.

    References
    ----------
    .. [1] P. Vincent, "A Connection Between Score Matching and Denoising
       Autoencoders", Neural Computation 23(7), 2011.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skscore import DenoisingSMTransformer, GBRBMScoreMatching
    >>> X = StandardScaler().fit_transform(load_digits().data[:500])
    >>> dsm = DenoisingSMTransformer(
    ...     GBRBMScoreMatching(n_components=16, max_iter=20), random_state=0
    ... )
    >>> search = GridSearchCV(dsm, {"noise": [0.3, 1.0]}, cv=2).fit(X)
    >>> search.best_params_["noise"] in (0.3, 1.0)
    True
    >>> search.best_estimator_.transform(X).shape  # two signs per unit
    (500, 32)
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
    def fit(self, X: ArrayLike, y: None = None) -> DenoisingSMTransformer:
        """Fit a clone of ``estimator`` by denoising score matching.

        If ``estimator`` has ``warm_start=True`` and this meta-estimator is
        fitted, the fitted clone is given the current settings and continues
        from its parameters, as the estimator's warm start says.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.

        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted meta-estimator.
        """
        if getattr(self._estimator(), "warm_start", False) and hasattr(
            self, "estimator_"
        ):
            # the estimator's own warm start: its fitted clone, given the
            # current settings, continues from its parameters
            self.estimator_.set_params(**self._dsm_clone().get_params(deep=False))
        else:
            self.estimator_ = self._dsm_clone()
        self.estimator_.fit(X)
        self._copy_input_attributes()
        return self

    @available_if(_estimator_has("partial_fit"))
    @_fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X: ArrayLike, y: None = None) -> DenoisingSMTransformer:
        """Update the model with one pass of minibatch Adam over X.

        The first call clones ``estimator`` with the denoising objective;
        every call then gives the clone the current settings (``noise``, and
        those of ``estimator``) and runs its ``partial_fit``, which draws
        fresh corruptions for each minibatch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.

        y : None
            Ignored.

        Returns
        -------
        self : object
            The updated meta-estimator.
        """
        if not hasattr(self, "estimator_"):
            self.estimator_ = self._dsm_clone()
        else:
            if hasattr(self.estimator_, "intercept_visible_"):
                check_same_namespace(
                    X, self.estimator_.intercept_visible_, self, "partial_fit"
                )
            # settings changed since the last call (``noise``, or those of
            # ``estimator``) reach the fitted clone, whose partial_fit honours
            # or refuses them
            self.estimator_.set_params(**self._dsm_clone().get_params(deep=False))
        self.estimator_.partial_fit(X)
        self._copy_input_attributes()
        return self

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

    def _copy_input_attributes(self):
        self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_

    def _fitted(self, X=None, method=None):
        """The fitted estimator, for ``method`` on X if given."""
        check_is_fitted(self)
        if X is not None and hasattr(self.estimator_, "intercept_visible_"):
            check_same_namespace(X, self.estimator_.intercept_visible_, self, method)
        return self.estimator_

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Features of the fitted estimator, ``estimator_.transform(X)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out)
            The features, as the estimator's ``encoding`` says.
        """
        return self._fitted(X, "transform").transform(X)

    def score(self, X: ArrayLike, y: None = None) -> float:
        """Held-out score of the fitted estimator, ``estimator_.score(X)``.

        For skscore's estimators, the negative mean score matching
        objective, which does not depend on ``noise``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        y : None
            Ignored.

        Returns
        -------
        score : float
            Higher is better.
        """
        return self._fitted(X, "score").score(X)

    @available_if(_estimator_has("score_samples"))
    def score_samples(self, X: ArrayLike) -> np.ndarray:
        """Unnormalized log density, ``estimator_.score_samples(X)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Negative free energy of each row.
        """
        return self._fitted(X, "score_samples").score_samples(X)

    @available_if(_estimator_has("free_energy"))
    def free_energy(self, X: ArrayLike) -> np.ndarray:
        """Free energy, ``estimator_.free_energy(X)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        free_energy : ndarray of shape (n_samples,)
            ``F(v)`` of each row.
        """
        return self._fitted(X, "free_energy").free_energy(X)

    @available_if(_estimator_has("reconstruct"))
    def reconstruct(self, X: ArrayLike) -> np.ndarray:
        """Reconstruction, ``estimator_.reconstruct(X)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        X_hat : ndarray of shape (n_samples, n_features)
            Reconstructed data.
        """
        return self._fitted(X, "reconstruct").reconstruct(X)

    @available_if(_estimator_has("denoise"))
    def denoise(
        self, X: ArrayLike, n_steps: int = 10, step_size: float = 0.1
    ) -> np.ndarray:
        """Gradient steps on the free energy, ``estimator_.denoise``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Noisy data.

        n_steps : int, default=10
            Number of steps.

        step_size : float, default=0.1
            Fraction of the way to the reconstruction taken at each step, in
            (0, 2]: larger steps overshoot it by more than they move toward
            it, and diverge for some models.

        Returns
        -------
        X_denoised : ndarray of shape (n_samples, n_features)
            The rows after ``n_steps`` steps.
        """
        return self._fitted(X, "denoise").denoise(
            X, n_steps=n_steps, step_size=step_size
        )

    @available_if(_estimator_has("sample"))
    def sample(
        self,
        n_samples: int = 1,
        n_steps: int = 1000,
        random_state: RandomStateLike = None,
    ) -> np.ndarray:
        """Rows drawn from the fitted model, ``estimator_.sample``.

        Parameters
        ----------
        n_samples : int, default=1
            Number of independent chains, one row each.

        n_steps : int, default=1000
            Markov chain steps per chain.

        random_state : int, RandomState instance or None, default=None
            Seeds the chains.

        Returns
        -------
        samples : ndarray of shape (n_samples, `n_features_in_`)
            The last state of every chain.
        """
        return self._fitted().sample(
            n_samples, n_steps=n_steps, random_state=random_state
        )

    @available_if(_estimator_has("score_terms"))
    def score_terms(self, X: ArrayLike) -> np.ndarray:
        """The three score matching terms, ``estimator_.score_terms(X)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        terms : ndarray of shape (n_samples, 3)
            Squared error, variance and curvature of each row.
        """
        return self._fitted(X, "score_terms").score_terms(X)

    @available_if(_estimator_has("input_filters"))
    def input_filters(self) -> tuple[np.ndarray, np.ndarray]:
        """Filters and intercepts of the units, ``estimator_.input_filters()``.

        Returns
        -------
        filters : ndarray of shape (n_units, `n_features_in_`)
            One filter per hidden unit.

        intercepts : ndarray of shape (n_units,)
            The hidden units' biases: their inputs are
            ``X @ filters.T + intercepts``.
        """
        return self._fitted().input_filters()

    @available_if(_estimator_has("get_feature_names_out"))
    def get_feature_names_out(
        self, input_features: ArrayLike | None = None
    ) -> np.ndarray:
        """Output feature names, those of ``estimator_``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only used to validate feature names with the names seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            Transformed feature names.
        """
        return self._fitted().get_feature_names_out(input_features)

    def _unit_names(self):
        """The names of the fitted estimator's units, for the featurizer."""
        return self._fitted()._unit_names()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        wrapped = self._estimator().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = wrapped.transformer_tags.preserves_dtype
        tags.array_api_support = wrapped.array_api_support
        return tags
