"""Shared fitting loops and methods of the score matching estimators."""

import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._chunks import chunk_slices, parallel_chunks
from ._encoding import relu, soft_threshold
from ._logging import progress_logger
from ._optim import Adam, evaluate, minimize_lbfgs, normalize_rows, on_unit_rows

#: objectives trained by stochastic maximum likelihood, on model samples
_LIKELIHOOD_OBJECTIVES = ("cd", "pcd", "fpcd")

#: per-update decay of the fast weights of FPCD (Tieleman and Hinton, 2009)
_FAST_DECAY = 0.95

#: power of the data's scale in which each objective is expressed: the score
#: matching losses are in units of 1 / X**2, the autoencoder's in units of X**2
#: and the contrastive free energy difference has none
_LOSS_POWER = {"sm": -2, "dsm": -2, "ae": 2, "cd": 0, "pcd": 0, "fpcd": 0}

#: a learned visible standard deviation stays within this factor of the data's
#: scale, which keeps float32 objectives finite at every L-BFGS trial point
_VISIBLE_STD_RANGE = 1e6


class _BaseScoreMatching(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Base class binding an energy module of :mod:`skscore.energies` to L-BFGS.

    Subclasses set ``_energy`` (the energy module), ``_param_attributes``
    (trainable energy parameters other than the visible bias and standard
    deviation, mapped to their fitted attributes), ``_weight_names`` (the
    parameters that ``alpha`` decays) and ``_unit_norm_names`` (parameters
    whose rows are constrained to unit norm), and implement ``_init_filters``,
    ``_check_input``, ``_n_hidden``, ``_negative_samples`` (the Markov
    chain step of the maximum-likelihood objectives) and ``_run_chains`` (the
    chains of ``sample``); ``_fixed_params`` gives the energy parameters that
    are hyperparameters.
    """

    _parameter_constraints: dict = {
        "visible_std": [
            StrOptions({"learn"}),
            Interval(Real, 0, None, closed="neither"),
        ],
        "objective": [StrOptions({"sm", "dsm", "ae", *_LIKELIHOOD_OBJECTIVES})],
        "encoding": [StrOptions({"expectation", "relu", "soft_threshold"})],
        "threshold": [Interval(Real, 0, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="neither")],
        "n_noise_samples": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    _unit_norm_names = ()

    def _fixed_params(self):
        return {}

    def _data_scale(self, X):
        """The scale of X: the root mean square of its columns' deviations.

        Starting values and stopping rules are relative to it, so that
        fitting ``X * s`` gives the fit of X for any ``s``; parameters in the
        units of X are compared with it. Kept as ``_scale`` for later calls
        of ``partial_fit``, whose chunks may be too small to measure it.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            variance = _column_variances(X).mean()
        if variance == 0 and self.visible_std == "learn" and self.objective == "sm":
            raise ValueError(
                "Every feature of X is constant: the score matching objective "
                "then decreases without bound as visible_std shrinks to 0. "
                "Fit on data that varies, or set a fixed visible_std."
            )
        scale = float(np.sqrt(variance)) if variance > 0 else 1.0
        # the objectives are in units of X**2 or 1 / X**2, in X's dtype
        limit = np.sqrt(np.finfo(X.dtype).max) / 1e4
        if not 1 / limit <= scale <= limit:
            raise ValueError(
                f"The scale of X (root mean square of the column standard "
                f"deviations) is {scale:.3g}, outside what {X.dtype} computations "
                f"of the objective can hold ({1 / limit:.1g} to {limit:.1g}). "
                "Rescale X"
                + (", or convert it to float64." if X.dtype == np.float32 else ".")
            )
        _warn_if_far(scale, "visible_std", self.visible_std, "the visible units", 100)
        if self.objective == "dsm":
            _warn_if_far(scale, "noise", self.noise, "the corruption", 10)
        self._scale = scale
        return scale

    def _init_params(self, X, rng, scale):
        """Starting parameters for ``fit``, in the dtype of X."""
        sigma = scale if self.visible_std == "learn" else self.visible_std
        self._check_input(X, sigma)
        params = {
            **self._init_filters(X.shape[1], rng),
            "intercept_visible": X.mean(axis=0, dtype=np.float64) / sigma,
            "log_visible_std": np.log(sigma),
            **self._fixed_params(),
        }
        return {
            name: np.asarray(value, dtype=X.dtype) for name, value in params.items()
        }

    def _learns_visible_std(self):
        # The plain autoencoder's loss is no density criterion and cannot
        # identify sigma: learned, it shrank the mPoT's to 1e-3 of the data's
        # scale within 30 L-BFGS iterations (a binary code of saturated mean
        # units) and grew the GBRBM's to 15 times it. It stays at the scale.
        return self.visible_std == "learn" and self.objective != "ae"

    def _trainable(self):
        names = [*self._param_attributes, "intercept_visible"]
        return names + ["log_visible_std"] if self._learns_visible_std() else names

    def _loss_unit(self, scale):
        """The natural size of the training loss for data of this scale."""
        return scale ** _LOSS_POWER[self.objective]

    def _bounds(self, scale):
        """Bounds of the trainable scalars: a learned ``sigma`` near the data's."""
        if not self._learns_visible_std():
            return {}
        spread = np.log(_VISIBLE_STD_RANGE)
        return {"log_visible_std": (np.log(scale) - spread, np.log(scale) + spread)}

    def _warm_params(self, dtype):
        """The fitted parameters to continue from, under the current settings."""
        for name, attribute in self._param_attributes.items():
            n_units = self._n_units.get(name)
            fitted = getattr(self, attribute).shape[0]
            if n_units is not None and n_units != fitted:
                raise ValueError(
                    f"The model was fitted with {fitted} units in {attribute}, "
                    f"but the parameters now ask for {n_units}: a warm start or "
                    "partial_fit continues the fitted model and cannot change its "
                    "size. Set warm_start=False (or call fit) to refit from "
                    "scratch."
                )
        params = self._energy_params(dtype)
        if self.visible_std != "learn":
            params["log_visible_std"] = np.log(self.visible_std).astype(dtype)
        return params

    def _energy_params(self, dtype):
        """The energy parameters held in the fitted attributes, in ``dtype``."""
        params = {
            name: getattr(self, attribute)
            for name, attribute in self._param_attributes.items()
        }
        params["intercept_visible"] = self.intercept_visible_
        params["log_visible_std"] = np.log(self.visible_std_)
        params.update(self._fixed_params())
        return {name: np.asarray(value, dtype=dtype) for name, value in params.items()}

    def _set_energy_params(self, params):
        for name, attribute in self._param_attributes.items():
            setattr(self, attribute, params[name])
        self.intercept_visible_ = params["intercept_visible"]
        self.visible_std_ = float(np.exp(params["log_visible_std"]))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model to X.

        The score matching objectives (``"sm"``, ``"dsm"``, ``"ae"``) are
        minimized by L-BFGS for at most ``max_iter`` iterations. The
        maximum-likelihood objectives (``"cd"``, ``"pcd"``, ``"fpcd"``) run
        ``max_iter`` passes of minibatch Adam over X in shuffled order, with
        negative samples from the model's Markov chain.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, ideally standardized or whitened.

        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        warm = self.warm_start and hasattr(self, "n_iter_")
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2,
            reset=not warm,
        )
        rng = check_random_state(self.random_state)
        scale = self._data_scale(X)
        if warm:
            params = self._warm_params(X.dtype)
        else:
            params = self._init_params(X, rng, scale)
        if self.objective in _LIKELIHOOD_OBJECTIVES:
            return self._fit_likelihood(X, params, rng, scale)
        unit = self._loss_unit(scale)
        with parallel_chunks():
            params, self.loss_curve_, self.n_iter_ = minimize_lbfgs(
                on_unit_rows(self._objective(X, rng, unit), self._unit_norm_names),
                params,
                self._trainable(),
                max_iter=self.max_iter,
                tol=self.tol,
                verbose=self.verbose,
                name=f"the {self.objective!r} objective of {type(self).__name__}",
                unit=unit,
                bounds=self._bounds(scale),
            )
        self._set_energy_params(normalize_rows(params, self._unit_norm_names))
        self._adam = None  # a later partial_fit starts its own optimizer state
        return self

    def _fit_likelihood(self, X, params, rng, scale):
        """``max_iter`` shuffled passes of minibatch Adam on model samples."""
        self._rng = rng
        self._start_minibatches(params, scale)
        self.loss_curve_, self.n_iter_ = [], 0
        log = progress_logger(self.verbose)
        start = time.perf_counter()
        for _ in range(self.max_iter):
            order = rng.permutation(len(X))
            batches = (order[batch] for batch in gen_batches(len(X), self.batch_size))
            params = self._minibatch_pass(X, params, batches, "in fit")
            log(
                f"Pass {self.n_iter_}, contrastive loss {self.loss_curve_[-1]:.6g}"
                f"{self._chain_report()}, {time.perf_counter() - start:.2f}s"
            )
        self._set_energy_params(normalize_rows(params, self._unit_norm_names))
        return self

    def _start_minibatches(self, params, scale):
        """Fresh optimizer state, chains and fast weights for minibatch training."""
        self._adam = Adam(
            params,
            self._trainable(),
            self.learning_rate,
            unit=self._loss_unit(scale),
            bounds=self._bounds(scale),
        )
        self._chains = None
        self._fast = {name: np.zeros_like(params[name]) for name in self._trainable()}

    def _chain_report(self):
        """Extra words for the verbose lines of the maximum-likelihood passes."""
        return ""

    def _minibatch_pass(self, X, params, batches, where):
        """One Adam step per minibatch of X; records the mean minibatch loss."""
        name = f"the {self.objective!r} objective of {type(self).__name__}"
        losses = []
        for batch in batches:
            if self.objective in _LIKELIHOOD_OBJECTIVES:
                objective = self._contrastive_objective(X[batch], params)
            else:
                objective = self._objective(X[batch], self._rng, self._adam.unit)
            objective = on_unit_rows(objective, self._unit_norm_names)
            loss, grads = evaluate(objective, params, self._trainable(), name, where)
            updated = self._adam.step(params, grads)
            if self.objective == "fpcd":
                for key, fast in self._fast.items():
                    fast *= _FAST_DECAY
                    fast += updated[key] - params[key]
            params = updated
            losses.append(loss)
        self.loss_curve_.append(float(np.mean(losses)))
        self.n_iter_ += 1
        return params

    def _contrastive_objective(self, X, params):
        """``mean F(X) - mean F(samples)`` with samples drawn at ``params``.

        CD restarts the chains at X, PCD continues persistent chains (started
        at the first minibatch), and FPCD runs them on the parameters plus
        decaying fast weights.
        """
        model = normalize_rows(params, self._unit_norm_names)
        if self.objective == "fpcd":
            model = {
                name: value + self._fast[name] if name in self._fast else value
                for name, value in model.items()
            }
        if self.objective == "cd" or self._chains is None:
            self._chains = X
        self._chains = self._negative_samples(self._chains, model, self._rng)
        samples = self._chains

        def data_loss(params):
            return self._energy.contrastive(X, samples, params)

        return self._regularized(data_loss, 1.0)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Update the model with one pass of minibatch Adam over X.

        Each call runs through X in minibatches of ``batch_size`` rows, taking
        one Adam step (rate ``learning_rate``) per minibatch on the same
        closed-form gradients as ``fit``; the optimizer state is kept across
        calls, so data that does not fit in memory can be streamed in chunks.
        For ``objective="dsm"`` each minibatch gets fresh corruptions; for the
        maximum-likelihood objectives the Markov chains (and FPCD's fast
        weights) carry over between minibatches and calls too.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.

        y : None
            Ignored.

        Returns
        -------
        self : object
            The updated estimator.
        """
        first = not hasattr(self, "n_iter_")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=first)
        if first:
            self._rng = check_random_state(self.random_state)
            params = self._init_params(X, self._rng, self._data_scale(X))
            self.loss_curve_, self.n_iter_ = [], 0
        else:
            params = self._warm_params(X.dtype)
        if getattr(self, "_rng", None) is None:
            self._rng = check_random_state(self.random_state)
        if getattr(self, "_adam", None) is None:
            self._start_minibatches(params, self._scale)
        start = time.perf_counter()
        params = self._minibatch_pass(
            X, params, gen_batches(len(X), self.batch_size), "in partial_fit"
        )
        self._set_energy_params(normalize_rows(params, self._unit_norm_names))
        progress_logger(self.verbose)(
            f"partial_fit pass {self.n_iter_} over {len(X)} rows, mean minibatch "
            f"loss {self.loss_curve_[-1]:.6g}, {time.perf_counter() - start:.2f}s"
        )
        return self

    def _objective(self, X, rng, unit):
        """The function of the parameters that ``fit`` minimizes, on X.

        ``unit`` is the natural size of the loss, in which the ``alpha``
        penalty is expressed.
        """
        energy = self._energy
        if self.objective == "dsm":
            noise = rng.standard_normal((self.n_noise_samples, *X.shape))
            noise = (noise * self.noise).astype(X.dtype, copy=False)

            def data_loss(params):
                return energy.dsm(X, params, noise, self.noise)

        else:

            def data_loss(params):
                return getattr(energy, self.objective)(X, params)

        return self._regularized(data_loss, unit)

    def _regularized(self, data_loss, unit):
        """``data_loss`` plus ``unit`` times the ``alpha`` penalty on the weights."""
        if self.alpha == 0:
            return data_loss
        strength = self.alpha * unit

        def regularized_loss(params):
            loss, grads = data_loss(params)
            for name in self._weight_names:
                W = params[name]
                loss += 0.5 * strength * float(np.einsum("ij,ij->", W, W))
                grads[name] = grads[name] + strength * W
            return loss, grads

        return regularized_loss

    def input_filters(self):
        """The affine map from the data to the hidden units' inputs.

        The inputs of the hidden units are ``z = X @ filters.T + intercepts``,
        and ``encoding="relu"`` gives ``max(0, z)``.
        :class:`~skscore.ConvolutionalFeaturizer` encodes patches with this
        map (its relu and soft threshold); any estimator with this method
        can serve it the same way.

        Returns
        -------
        filters : ndarray of shape (n_units, n_features_in_)
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
        return self._energy.input_filters(self._energy_params(self.components_.dtype))

    def _validated_params(self, X):
        """Validate X for a fitted model; return it with the model's parameters."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return X, self._energy_params(X.dtype)

    def transform(self, X):
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
        X, params = self._validated_params(X)
        if self.encoding == "expectation":
            return self._energy.hidden_expectations(X, params)
        filters, bias = self._energy.input_filters(params)
        out = np.empty((X.shape[0], self._n_features_out), dtype=X.dtype)
        row_floats = X.shape[1] + 3 * self._n_features_out
        for batch in chunk_slices(X.shape[0], row_floats, X.dtype):
            if self.encoding == "relu":
                out[batch] = relu(X[batch], filters, bias)
            else:
                # projections of u - b, u = v / sigma: in units of sigma
                centered = X[batch] / self.visible_std_
                centered -= params["intercept_visible"]
                out[batch] = soft_threshold(centered, filters, self.threshold)
        return out

    @property
    def _n_features_out(self):
        return self._n_hidden * (2 if self.encoding == "soft_threshold" else 1)

    def free_energy(self, X):
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
        X, params = self._validated_params(X)
        return self._energy.free_energy(X, params)

    def score_samples(self, X):
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
        return -self.free_energy(X)

    def reconstruct(self, X):
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
        X, params = self._validated_params(X)
        return self._energy.reconstruct(X, params)

    def denoise(self, X, n_steps=10, step_size=0.1):
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
            Number of steps.

        step_size : float, default=0.1
            Fraction of the way to the reconstruction taken at each step.

        Returns
        -------
        X_denoised : ndarray of shape (n_samples, n_features)
            The rows after ``n_steps`` steps.
        """
        X, params = self._validated_params(X)
        if not (isinstance(n_steps, Integral) and n_steps >= 0):
            raise ValueError(
                f"n_steps must be a non-negative integer, got {n_steps!r}."
            )
        if not (isinstance(step_size, Real) and step_size > 0):
            raise ValueError(f"step_size must be a positive number, got {step_size!r}.")
        out = X.copy()
        for _ in range(n_steps):
            out += step_size * (self._energy.reconstruct(out, params) - out)
        return out

    def sample(self, n_samples=1, n_steps=1000, random_state=None):
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
        samples : ndarray of shape (n_samples, n_features_in_)
            The last state of every chain.
        """
        check_is_fitted(self)
        for name, value, low in (("n_samples", n_samples, 1), ("n_steps", n_steps, 0)):
            if not (isinstance(value, Integral) and value >= low):
                raise ValueError(
                    f"{name} must be an integer of at least {low}, got {value!r}."
                )
        rng = check_random_state(random_state)
        dtype = self.components_.dtype
        params = self._energy_params(dtype)
        out = np.empty((n_samples, self.n_features_in_), dtype=dtype)
        # independent chains, run in chunks of rows to bound the memory
        row_floats = 3 * self.n_features_in_ + 2 * self._n_hidden
        for batch in chunk_slices(n_samples, row_floats, dtype):
            start = rng.standard_normal((batch.stop - batch.start, out.shape[1]))
            start += params["intercept_visible"]
            start *= self.visible_std_
            out[batch] = self._run_chains(start.astype(dtype), params, n_steps, rng)
        return out

    def score_terms(self, X):
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
        X, params = self._validated_params(X)
        return self._energy.sm_terms(X, params)

    def score(self, X, y=None):
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
        return -float(np.mean(self.score_terms(X).sum(axis=1), dtype=np.float64))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _warn_if_far(scale, name, value, what, above):
    """Warn when a parameter in the units of X is far from the data's scale.

    That is more than ``above`` times larger, or 100 times smaller.
    """
    if isinstance(value, str) or 1 / 100 <= value / scale <= above:
        return
    warnings.warn(
        f"{name}={value:.3g}, the standard deviation of {what}, is in the units "
        f"of X, whose scale (root mean square of the column standard deviations) "
        f"is {scale:.3g}: more than {above if value > scale else 100:g} times "
        f"{'larger' if value > scale else 'smaller'}. Choose {name} relative to "
        "the scale of X, or rescale X.",
        UserWarning,
    )


def _column_variances(X):
    """Variance of each column, in float64, with temporaries of bounded size.

    ``X.var`` would make a centered copy of X, which defeats fitting a memmap
    larger than memory.
    """
    mean = X.mean(axis=0, dtype=np.float64)
    total = np.zeros(X.shape[1])
    for batch in chunk_slices(X.shape[0], 2 * X.shape[1], np.float64):
        centered = X[batch] - mean
        total += np.einsum("ij,ij->j", centered, centered)
    return total / X.shape[0]


def _largest_variance(X, stop_above, n_power_iterations=50):
    """Largest variance of X in any direction, approached from below.

    Power iteration on the covariance from the feature of largest variance;
    it stops early once the estimate exceeds ``stop_above``, so that answering
    "is there a direction of variance above t?" costs little when there is.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # huge X: variances overflow
        mean = X.mean(axis=0, dtype=np.float64)
        variances = _column_variances(X)
        direction = np.zeros(X.shape[1])
        direction[np.argmax(variances)] = 1.0
        top = variances.max()
        for _ in range(n_power_iterations):
            if not 0 < top <= stop_above:
                break
            # products in X's dtype: a float64 vector would upcast all of X
            projection = X @ direction.astype(X.dtype) - mean @ direction
            direction = (X.T @ projection.astype(X.dtype)).astype(np.float64)
            direction /= X.shape[0]
            top = np.linalg.norm(direction)  # ||C d|| <= largest variance, ||d|| = 1
            direction /= top
    return top
