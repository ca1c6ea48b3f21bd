"""The methods of a fitted score matching estimator, as short calls into kernels.

Every method validates its input where it enters (its namespace and device
must be those recorded at fit, ``_space``), reads the model's parameters
from the fitted attributes into that namespace, and calls a kernel of
:mod:`skscore._inference` or a method of the energy model.
"""

from numbers import Integral

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _inference
from ._array_api import ArraySpace, check_space, input_namespace
from ._docs import fill_doc
from ._typing import RandomStateLike
from ._validation import check_allocation


class FittedModelMixin(ClassNamePrefixFeaturesOutMixin, TransformerMixin):
    """Inference, sampling and feature names of a fitted energy model.

    A transformer mixin itself, so that scikit-learn wraps the
    :meth:`transform` defined here for ``set_output``.

    For :class:`~skscore._base._BaseScoreMatching`, which provides
    ``_model``, ``_unit_kinds``, ``_check_settings``, ``_energy_params``
    and ``_sampler``.
    """

    def input_filters(self) -> tuple[np.ndarray, np.ndarray]:
        """The affine map from the data to the hidden units' inputs.

        The inputs of the hidden units are ``z = X @ filters.T + intercepts``,
        and ``encoding="relu"`` gives ``max(0, z)``.
        :class:`~skscore.ConvolutionalFeaturizer` encodes patches with this
        map (its relu and soft threshold); any estimator with this method
        can serve it the same way.

        Returns
        -------
        filters : ndarray of shape (n_units, `n_features_in_`)
            One filter per hidden unit: its weights divided by the visible
            standard deviation.

        intercepts : ndarray of shape (n_units,)
            The hidden units' biases (0 for the mPoT's covariance units).

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import GBRBMScoreMatching
        >>> X = np.random.default_rng(0).normal(size=(100, 4))
        >>> model = GBRBMScoreMatching(3, encoding="relu", max_iter=5).fit(X)
        >>> filters, intercepts = model.input_filters()
        >>> filters.shape, intercepts.shape
        ((3, 4), (3,))
        >>> z = X @ filters.T + intercepts
        >>> np.allclose(model.transform(X), np.maximum(z, 0))
        True
        """
        check_is_fitted(self)
        self._check_settings()
        return self._model.input_filters(self._energy_params(self._space))

    def _compute(self, X, method, kernel):
        """``kernel(X, params)`` on X validated for ``method``, unless it overflowed."""
        X, params = self._validated_params(X, method)
        return _inference.finite(
            lambda: kernel(X, params), X, method, self.visible_std_
        )

    def _validated_params(self, X, method):
        """Validate X for a fitted model; return it with the model's parameters.

        The parameters are arrays of X's namespace, on its device. Under
        array API dispatch, X must be of the namespace and device of the
        data ``fit`` saw, as scikit-learn requires.
        """
        check_is_fitted(self)
        self._check_settings()
        check_space(X, self._space, self, method)
        X, xp, _ = input_namespace(X)
        X = validate_data(self, X, dtype=[xp.float64, xp.float32], reset=False)
        return X, self._energy_params(ArraySpace.of(X))

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Encode each row with the learned model, as ``encoding`` says.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out)
            The learned features: the hidden unit expectations ``E[h | v]``,
            the rectified inputs of the hidden units, or the soft thresholds
            of the projections on the filters (twice as many features).
        """
        X, params = self._validated_params(X, "transform")
        if self.encoding == "expectation":
            return self._model.hidden_expectations(X, params)
        return _inference.finite(
            lambda: _inference.encode(
                self._model, X, params, self.encoding, self.threshold, self.visible_std_
            ),
            X,
            "transform",
            self.visible_std_,
        )

    @fill_doc
    def get_feature_names_out(
        self, input_features: ArrayLike | None = None
    ) -> np.ndarray:
        """Names of the features of :meth:`transform`.

        Each name is the lowercase class name, then the hidden unit (its kind
        and its index within its kind, as ``unit3`` for the GBRBM,
        ``covariance5`` and ``mean2`` for the mPoT), then, for
        ``encoding="soft_threshold"``, the sign of the projection: ``_pos``
        for ``max(0, p - threshold)``, ``_neg`` for ``max(0, -p -
        threshold)``. For example ``"gbrbmscorematching_unit3_neg"``.

        %(feature_names_out)s

        Examples
        --------
        >>> import numpy as np
        >>> from skscore import GBRBMScoreMatching
        >>> X = np.random.default_rng(0).normal(size=(100, 4))
        >>> model = GBRBMScoreMatching(2, max_iter=5, random_state=0).fit(X)
        >>> for name in model.get_feature_names_out():
        ...     print(name)
        gbrbmscorematching_unit0_pos
        gbrbmscorematching_unit1_pos
        gbrbmscorematching_unit0_neg
        gbrbmscorematching_unit1_neg
        """
        # the mixin validates input_features against feature_names_in_
        super().get_feature_names_out(input_features)
        units = self._unit_names()
        if self.encoding == "soft_threshold":
            units = [f"{unit}_pos" for unit in units] + [
                f"{unit}_neg" for unit in units
            ]
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}_{unit}" for unit in units], dtype=object)

    def _unit_names(self):
        """The hidden units' names, kind and index, in the order of the features."""
        return [
            f"{self._unit_kinds.get(block.n_units, 'unit')}{index}"
            for block in self._model.units
            for index in range(getattr(self, f"{block.filters}_").shape[0])
        ]

    @property
    def _n_features_out(self):
        n_units = len(self._unit_names())
        return n_units * (2 if self.encoding == "soft_threshold" else 1)

    def free_energy(self, X: ArrayLike) -> np.ndarray:
        """Free energy ``F(v)`` of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        free_energy : ndarray of shape (n_samples,)
            ``F(v)``; the model's log density is ``-F(v) - log Z``.
        """
        return self._compute(X, "free_energy", self._model.free_energy)

    def score_samples(self, X: ArrayLike) -> np.ndarray:
        """Unnormalized log density ``-F(v)`` of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Negative free energy of each row.
        """
        if hasattr(self, "_space"):
            check_space(X, self._space, self, "score_samples")
        return -self.free_energy(X)

    def reconstruct(self, X: ArrayLike) -> np.ndarray:
        """Reconstruction ``v_hat`` of each row, the autoencoder's output.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        X_hat : ndarray of shape (n_samples, n_features)
            Reconstructed data.
        """
        return self._compute(X, "reconstruct", self._model.reconstruct)

    def denoise(
        self, X: ArrayLike, n_steps: int = 10, step_size: float = 0.1
    ) -> np.ndarray:
        """Move each row toward high model density by gradient steps on F.

        Each step is ``v <- v + step_size * (reconstruct(v) - v)``, that is
        ``v - step_size * sigma^2 dF/dv``: with ``step_size=1`` one step is
        the reconstruction (see the mathematics page of the documentation,
        section "Gradient steps on the free energy"). Small steps from a noisy
        input remove part of the noise; too many smooth it away.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Noisy data.

        n_steps : int, default=10
            Number of steps, at most 10,000.

        step_size : float, default=0.1
            Fraction of the way to the reconstruction taken at each step, in
            (0, 2]: larger steps overshoot it by more than they move toward
            it, and diverge for some models.

        Returns
        -------
        X_denoised : ndarray of shape (n_samples, n_features)
            The rows after ``n_steps`` steps.
        """
        return self._compute(
            X,
            "denoise",
            lambda X, params: _inference.denoise(
                self._model, X, params, n_steps, step_size
            ),
        )

    def sample(
        self,
        n_samples: int = 1,
        n_steps: int = 1000,
        random_state: RandomStateLike = None,
    ) -> np.ndarray:
        """Draw rows from the model by running Markov chains.

        Each chain starts from the model's Gaussian part, ``sigma (b + eps)``,
        and runs ``n_steps`` steps: block Gibbs sweeps for the GBRBM, Hybrid
        Monte Carlo trajectories for the mPoT.

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
        check_is_fitted(self)
        self._check_settings()
        for name, value, low in (("n_samples", n_samples, 1), ("n_steps", n_steps, 0)):
            if isinstance(value, bool) or not (
                isinstance(value, Integral) and value >= low
            ):
                raise ValueError(
                    f"{name} must be an integer of at least {low}, got {value!r}."
                )
        check_allocation(
            n_samples * self.n_features_in_ * 8,
            f"n_samples={n_samples} rows of {self.n_features_in_} features",
            "Lower n_samples.",
        )
        try:
            rng = check_random_state(random_state)
        except ValueError as exc:
            raise ValueError(
                f"random_state must be None, an int or a RandomState instance; {exc}"
            ) from exc
        return _inference.sample(
            self._model,
            self._energy_params(self._space.host()),
            self.visible_std_,
            self._fitted_sampler,
            (n_samples, n_steps, rng),
            self._space,
        )

    def _fitted_sampler(self):
        """A new sampler that continues from what training adapted (HMC's step)."""
        sampler = self._sampler()
        sampler.restore(vars(self))
        return sampler

    def score_terms(self, X: ArrayLike) -> np.ndarray:
        """The three terms of the score matching objective for each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        terms : ndarray of shape (n_samples, 3)
            Squared error (the autoencoder's reconstruction error in score
            units), variance and curvature. Their row sums are the score
            matching objective ``J(v)``; ``terms.mean(axis=0)`` gives the
            three curves of the "effect of regularizers" figure.
        """
        return self._compute(X, "score_terms", self._model.sm_terms)

    def score(self, X: ArrayLike, y: None = None) -> float:
        """Negative mean score matching objective on X (higher is better).

        It includes every constant of the objective, does not depend on the
        training objective or its noise level, and is computed from the fitted
        attributes, so it compares models and hyperparameters on held-out data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        y : None
            Ignored.

        Returns
        -------
        score : float
            ``-mean J(v)``.
        """
        if hasattr(self, "_space"):
            check_space(X, self._space, self, "score")
        return -_inference.mean_row_sum(self.score_terms(X))
