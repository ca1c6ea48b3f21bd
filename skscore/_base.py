"""Shared validation, parameters and methods of the score matching estimators."""

import time
import warnings
from numbers import Integral, Real
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._array_api import (
    check_same_namespace,
    convert,
    copy,
    device,
    float_dtype,
    input_namespace,
    namespace,
    to_numpy,
)
from ._chunks import chunk_slices
from ._encoding import relu, soft_threshold
from ._logging import iterations_to_report, progress_logger
from ._optim import normalize_rows
from ._training import OBJECTIVES, MinibatchTrainer, TrainingLoss, fit_lbfgs
from ._typing import RandomStateLike
from ._validation import check_allocation, refuse_booleans

#: a learned visible standard deviation stays within this factor of the data's
#: scale, which keeps float32 objectives finite at every L-BFGS trial point
_VISIBLE_STD_RANGE = 1e6


#: upper bounds of hyperparameters past which nothing changes but the risk
#: of overflow (alpha=1e300 and gamma=1e300 made the loss non-finite, with
#: the advice to increase alpha): the penalized weights shrink as 1 / alpha,
#: below float32's precision at 1e10 for data of unit scale, and a Student-t
#: expert of 2 gamma - 1 degrees of freedom is Gaussian to 1e-6 at 1e6
_MAX_ALPHA = 1e10
_MAX_GAMMA = 1e6

#: scipy's L-BFGS-B divides tol by the machine epsilon, which overflowed at
#: 1e300; from 2 on, the relative decrease stops it at the first iteration
_MAX_TOL = 1e10
_MAX_DENOISE_STEPS = 10_000

#: the largest threshold of the soft threshold: the computations may be in
#: float32, where a larger one (twice it, summed over a featurizer's
#: quadrant) overflows, while the data the estimators accept project far
#: below it, so every feature would be 0 anyway
_MAX_THRESHOLD = 1e30

#: L-BFGS keeps 10 pairs of parameter-sized vectors, Adam two moments and the
#: fast weights of FPCD: about this many float64 copies of the parameters
_PARAMETER_COPIES = 30

#: the estimator type that fit and partial_fit return
_Estimator = TypeVar("_Estimator", bound="_BaseScoreMatching")


class _BaseScoreMatching(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Base class of the estimators of an energy model of :mod:`skscore.energies`.

    A subclass names its :class:`~skscore.energies.EnergyModel` in ``_model``
    (one with a learned visible standard deviation) and has, besides the
    parameters validated here, a constructor parameter named as each axis that
    counts a block's units (``n_components``), each hyperparameter of the model
    (``gamma``) and each setting of its sampler (``n_gibbs_steps``). Each model
    parameter is fitted as the attribute of its name plus an underscore, but
    ``log_visible_std``, fitted as ``visible_std_``; the sampler's fitted
    attributes are published too. A subclass may override ``_check_input`` to
    warn about data its model cannot fit. Training is delegated to the regimes
    of :mod:`skscore._training`, which :data:`~skscore._training.OBJECTIVES`
    matches with each ``objective``; a minibatch trainer is kept as
    ``_trainer`` for later calls of ``partial_fit``.
    """

    #: the kind of unit each block counts, by the name of its axis, for the
    #: feature names; "unit" where a model has one kind
    _unit_kinds: dict = {}

    _parameter_constraints: dict = {
        "visible_std": [
            StrOptions({"learn"}),
            Interval(Real, 0, None, closed="neither"),
        ],
        "objective": [StrOptions(set(OBJECTIVES))],
        "encoding": [StrOptions({"expectation", "relu", "soft_threshold"})],
        "threshold": [Interval(Real, 0, _MAX_THRESHOLD, closed="both")],
        "noise": [Interval(Real, 0, None, closed="neither")],
        "n_noise_samples": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, _MAX_ALPHA, closed="both")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "tol": [Interval(Real, 0, _MAX_TOL, closed="both")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _validate_params(self):
        super()._validate_params()
        refuse_booleans(self)

    def _check_input(self, X, sigma):
        """Warn about training data that the model cannot fit at ``sigma``."""

    def _check_sizes(self, X):
        """Refuse numbers of units or noise samples that cannot fit in memory."""
        n_features = X.shape[1]
        n_params = sum(
            getattr(self, block.n_units) * (n_features + 1)
            for block in self._model.units
        )
        sizes = ", ".join(
            f"{block.n_units}={getattr(self, block.n_units)}"
            for block in self._model.units
        )
        names = " or ".join(block.n_units for block in self._model.units)
        check_allocation(
            _PARAMETER_COPIES * 8 * n_params,
            f"Training {sizes} units on {n_features} features",
            f"Lower {names}.",
        )
        if self.objective == "dsm":  # drawn in float64, on the host
            check_allocation(
                self.n_noise_samples * X.shape[0] * n_features * 8,
                f"n_noise_samples={self.n_noise_samples} corrupted copies of X",
                "Lower n_noise_samples.",
            )

    def _check_units(self, dtype, scale):
        """Refuse a fixed visible_std or a noise that the dtype cannot hold.

        The objectives hold their squares and inverse squares, in units of
        the data's scale: past the range :meth:`_data_scale` allows for the
        scale itself they overflow (``visible_std=1e300`` ended in an
        OverflowError of Python's floats).
        """
        limit = np.sqrt(np.finfo(dtype).max) / 1e4
        for name in ("visible_std", "noise"):
            value = getattr(self, name)
            if isinstance(value, str) or (name == "noise" and self.objective != "dsm"):
                continue
            if not 1 / limit <= value / scale <= limit:
                raise ValueError(
                    f"{name}={value:.3g} is {value / scale:.3g} times the scale of X "
                    f"({scale:.3g}), outside what {dtype} computations of the "
                    f"objective can hold ({1 / limit:.1g} to {limit:.1g} times). "
                    f"Choose {name} relative to the scale of X."
                )

    def _data_scale(self, X):
        """The scale of X: the root mean square of its columns' deviations.

        Starting values and stopping rules are relative to it, so that
        fitting ``X * s`` gives the fit of X for any ``s``; parameters in the
        units of X are compared with it. Kept as ``_scale`` for later calls
        of ``partial_fit``, whose chunks may be too small to measure it.
        """
        dtype = float_dtype(namespace(X), X.dtype)
        # in units of X's largest magnitude, so that the squares neither
        # overflow nor underflow: X * 1e-200 was taken for constant data
        peak = _peak(X)
        variance = _column_variances(X, unit=peak).mean() if peak > 0 else 0.0
        if variance == 0 and self.visible_std == "learn" and self.objective == "sm":
            raise ValueError(
                "Every feature of X is constant: the score matching objective "
                "then decreases without bound as visible_std shrinks to 0. "
                "Fit on data that varies, or set a fixed visible_std."
            )
        scale = peak * float(np.sqrt(variance)) if variance > 0 else 1.0
        # the objectives are in units of X**2 or 1 / X**2, in X's dtype
        limit = np.sqrt(np.finfo(dtype).max) / 1e4
        if not 1 / limit <= scale <= limit:
            raise ValueError(
                f"The scale of X (root mean square of the column standard "
                f"deviations) is {scale:.3g}, outside what {dtype} computations "
                f"of the objective can hold ({1 / limit:.1g} to {limit:.1g}). "
                "Rescale X"
                + (", or convert it to float64." if dtype == np.float32 else ".")
            )
        _warn_if_far(scale, "visible_std", self.visible_std, "the visible units", 100)
        if self.objective == "dsm":
            _warn_if_far(scale, "noise", self.noise, "the corruption", 10)
        self._scale = scale
        return scale

    def _init_params(self, X, rng, scale):
        """Starting parameters for ``fit``, NumPy arrays in the dtype of X.

        Filters with unit-norm rows start as Gaussian directions, other
        filters small (standard deviation 0.01, as in a GBRBM), hidden biases
        at 0, the visible bias at the data mean and ``sigma`` at the data's
        scale (or its fixed value).
        """
        sigma = scale if self.visible_std == "learn" else self.visible_std
        self._check_input(X, sigma)
        blocks = self._model.units
        params = {}
        for block in blocks:
            filters = rng.standard_normal((getattr(self, block.n_units), X.shape[1]))
            params[block.filters] = filters if block.unit_norm else 0.01 * filters
        for block in blocks:
            if block.bias is not None:
                params[block.bias] = np.zeros(getattr(self, block.n_units))
        params["intercept_visible"] = _column_means(X) / sigma
        params["log_visible_std"] = np.log(sigma)
        for name in self._model.hyperparameters:
            params[name] = getattr(self, name)
        dtype = float_dtype(namespace(X), X.dtype)
        return {name: np.asarray(value, dtype=dtype) for name, value in params.items()}

    def _learns_visible_std(self):
        # The plain autoencoder's loss is no density criterion and cannot
        # identify sigma: learned, it shrank the mPoT's to 1e-3 of the data's
        # scale within 30 L-BFGS iterations (a binary code of saturated mean
        # units) and grew the GBRBM's to 15 times it. It stays at the scale.
        return self.visible_std == "learn" and self.objective != "ae"

    def _trainable(self):
        names = [name for name in self._model.trainable if name != "log_visible_std"]
        return names + ["log_visible_std"] if self._learns_visible_std() else names

    def _loss_unit(self, scale):
        """The natural size of the training loss for data of this scale."""
        return scale ** OBJECTIVES[self.objective].loss_power

    def _bounds(self, scale):
        """Bounds of the trainable scalars: a learned ``sigma`` near the data's."""
        if not self._learns_visible_std():
            return {}
        spread = np.log(_VISIBLE_STD_RANGE)
        return {"log_visible_std": (np.log(scale) - spread, np.log(scale) + spread)}

    def _warm_params(self, dtype):
        """The fitted parameters to continue from, under the current settings.

        NumPy arrays in ``dtype`` (a NumPy dtype): the optimizers run on the host.
        """
        for block in self._model.units:
            n_units = getattr(self, block.n_units)
            attribute = f"{block.filters}_"
            fitted = getattr(self, attribute).shape[0]
            if n_units != fitted:
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

    def _energy_params(self, dtype, xp=np, where=None):
        """The energy parameters held in the fitted attributes.

        Arrays of ``xp`` on device ``where``, in ``dtype`` (one of ``xp``'s).
        """
        params = {}
        for name, parameter in self._model.parameters.items():
            if name == "log_visible_std":
                params[name] = np.log(self.visible_std_)
            elif parameter.trainable:
                params[name] = getattr(self, f"{name}_")
            else:  # a hyperparameter, set by the estimator's parameter
                params[name] = np.asarray(getattr(self, name))
        return {
            name: convert(value, xp, where, dtype) for name, value in params.items()
        }

    def _fitted_namespace(self):
        """The namespace and device of the fitted arrays."""
        return namespace(self.intercept_visible_), device(self.intercept_visible_)

    def _set_energy_params(self, params, xp=np, where=None):
        """Set the fitted attributes from the parameters that training reached.

        Training works on unconstrained rows (see
        :func:`skscore._optim.on_unit_rows`): the model's are normalized here.
        The attributes are arrays of ``xp`` on device ``where``, the namespace
        and device of the training data.
        """
        params = normalize_rows(params, self._model.unit_norm)
        self._fitted_hyperparameters = {
            name: getattr(self, name) for name in self._model.hyperparameters
        }
        for name in self._model.trainable:
            if name != "log_visible_std":
                setattr(self, f"{name}_", convert(params[name], xp, where))
        self.visible_std_ = float(np.exp(params["log_visible_std"]))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self: _Estimator, X: ArrayLike, y: None = None) -> _Estimator:
        """Fit the model to X.

        The score matching objectives (``"sm"``, ``"dsm"``, ``"ae"``) are
        minimized by L-BFGS for at most ``max_iter`` iterations, on all rows
        but a held-out ``validation_fraction``, until the objective on the
        held-out rows stops improving (see ``tol``). The
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
        if warm:
            check_same_namespace(X, self.intercept_visible_, self, "fit")
        X, xp, where = input_namespace(X)
        X = validate_data(
            self,
            X,
            dtype=[xp.float64, xp.float32],
            ensure_min_samples=2,
            reset=not warm,
        )
        rng = check_random_state(self.random_state)
        self._check_sizes(X)
        scale = self._data_scale(X)
        self._check_units(float_dtype(xp, X.dtype), scale)
        if warm:
            params = self._warm_params(float_dtype(xp, X.dtype))
        else:
            params = self._init_params(X, rng, scale)
        if OBJECTIVES[self.objective].optimizer == "L-BFGS":
            X_fit, X_val = self._validation_split(X, rng)
            params, self.loss_curve_, self.n_iter_, self.validation_loss_curve_ = (
                fit_lbfgs(
                    self._loss(self._loss_unit(scale)),
                    X_fit,
                    params,
                    rng,
                    trainable=self._trainable(),
                    bounds=self._bounds(scale),
                    max_iter=self.max_iter,
                    tol=self.tol,
                    n_iter_no_change=self.n_iter_no_change,
                    X_val=X_val,
                    verbose=self.verbose,
                )
            )
            self._trainer = None  # a later partial_fit starts its own
        else:
            self._start_trainer(params, scale, rng)
            self.loss_curve_, self.validation_loss_curve_, self.n_iter_ = [], [], 0
            log = progress_logger(self.verbose)
            reported = iterations_to_report(self.verbose, self.max_iter)
            start = time.perf_counter()
            X = to_numpy(X)  # the Markov chains run on the host
            for _ in range(self.max_iter):
                params = self._minibatch_pass(X, params, shuffle=True, where="in fit")
                if reported(self.n_iter_) or self.n_iter_ == self.max_iter:
                    log(
                        f"Pass {self.n_iter_}/{self.max_iter}, contrastive loss "
                        f"{self.loss_curve_[-1]:.6g}"
                        f"{self._trainer.sampler.report()}, "
                        f"{time.perf_counter() - start:.2f}s"
                    )
        self._set_energy_params(params, xp, where)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self: _Estimator, X: ArrayLike, y: None = None) -> _Estimator:
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
        if not first:
            # scikit-learn's fit context validates the parameters of a
            # partial_fit only on the first call; settings changed since
            # then are used by this one, so they are checked here
            self._validate_params()
            check_same_namespace(X, self.intercept_visible_, self, "partial_fit")
        X, xp, where = input_namespace(X)
        X = validate_data(self, X, dtype=[xp.float64, xp.float32], reset=first)
        rng = check_random_state(self.random_state)
        self._check_sizes(X)
        if first:
            scale = self._data_scale(X)
            self._check_units(float_dtype(xp, X.dtype), scale)
            params = self._init_params(X, rng, scale)
            self.loss_curve_, self.validation_loss_curve_, self.n_iter_ = [], [], 0
        else:
            self._check_units(float_dtype(xp, X.dtype), self._scale)
            params = self._warm_params(float_dtype(xp, X.dtype))
        if first or getattr(self, "_trainer", None) is None:
            self._start_trainer(params, self._scale, rng)
        else:
            self._update_trainer()
        start = time.perf_counter()
        X = to_numpy(X)  # minibatch Adam runs on the host
        params = self._minibatch_pass(X, params, shuffle=False, where="in partial_fit")
        self._set_energy_params(params, xp, where)
        progress_logger(self.verbose)(
            f"partial_fit pass {self.n_iter_} over {len(X)} rows, mean minibatch "
            f"loss {self.loss_curve_[-1]:.6g}, {time.perf_counter() - start:.2f}s"
        )
        return self

    def _validation_split(self, X, rng):
        """The rows to fit and the held-out rows that tell when to stop.

        A random ``validation_fraction`` of the rows (at least one) is held
        out, both parts kept in the order of X; with
        ``validation_fraction=None`` every row is fitted and the held-out
        part is None.
        """
        if self.validation_fraction is None:
            return X, None
        n_samples = X.shape[0]
        n_val = int(np.ceil(self.validation_fraction * n_samples))
        if n_val >= n_samples:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} of {n_samples} "
                f"rows leaves no row to fit. Lower validation_fraction, pass more "
                "rows, or set validation_fraction=None to fit on every row."
            )
        order = rng.permutation(n_samples)
        xp, where = namespace(X), device(X)
        fit_rows, val_rows = (np.sort(order[n_val:]), np.sort(order[:n_val]))
        if xp is np:
            return X[fit_rows], X[val_rows]
        return (
            xp.take(X, xp.asarray(fit_rows, device=where), axis=0),
            xp.take(X, xp.asarray(val_rows, device=where), axis=0),
        )

    def _loss(self, unit):
        """The training loss under the current settings, in units of ``unit``."""
        return TrainingLoss(
            self._model,
            self.objective,
            alpha=self.alpha,
            unit=unit,
            noise_std=self.noise,
            n_noise_samples=self.n_noise_samples,
            name=f"the {self.objective!r} objective of {type(self).__name__}",
        )

    def _sampler(self):
        """A new sampler of the model's, with this estimator's settings."""
        sampler = self._model.sampler
        return sampler(**{name: getattr(self, name) for name in sampler.settings})

    def _start_trainer(self, params, scale, rng):
        """Start a minibatch trainer at ``params``, kept as ``_trainer``."""
        samples = OBJECTIVES[self.objective].chain_mode is not None
        self._trainer = MinibatchTrainer(
            params,
            self._trainable(),
            learning_rate=self.learning_rate,
            unit=self._loss_unit(scale),
            bounds=self._bounds(scale),
            rng=rng,
            sampler=self._sampler() if samples else None,
        )
        self._trainer_settings = self._settings_of_trainer()

    def _settings_of_trainer(self):
        """The settings that the minibatch trainer holds, by parameter name."""
        settings = {
            "objective": self.objective,
            "learning_rate": self.learning_rate,
            "random_state": self.random_state,
            "visible_std": self.visible_std,
        }
        settings.update(
            {name: getattr(self, name) for name in self._model.sampler.settings}
        )
        return settings

    def _update_trainer(self):
        """Bring the kept trainer to the current settings, or refuse to.

        ``partial_fit`` honours every setting from its next call: the loss is
        rebuilt at each call (``alpha``, ``noise``, ``n_noise_samples``,
        ``batch_size`` and the model's hyperparameters), and the trainer is
        given the new ``learning_rate``, a sampler with the new number of
        steps (keeping what the old one adapted) and a generator seeded by
        the new ``random_state``. Two changes would need another trainer,
        whose optimizer moments and chains start again, so they are refused
        rather than made silently: the objective (its loss decides the
        units of the Adam moments and whether there are chains), and
        switching ``visible_std`` between "learn" and a value (which decides
        whether Adam trains it; one fixed value for another is honoured).
        """
        kept = self._trainer_settings
        why = {
            "objective": "whose optimizer state and Markov chains belong to its "
            "objective",
            "visible_std": "which learns visible_std, or keeps it fixed, as it started",
        }
        for name, changed in (
            ("objective", self.objective != kept["objective"]),
            (
                "visible_std",
                (kept["visible_std"] == "learn") != (self.visible_std == "learn"),
            ),
        ):
            if changed:
                raise ValueError(
                    f"{name} was {kept[name]!r} when this model's minibatch training "
                    f"started and is now {getattr(self, name)!r}: partial_fit "
                    f"continues that training, {why[name]}. Set {name} back to "
                    f"{kept[name]!r}, or call fit to start again."
                )
        trainer = self._trainer
        trainer.adam.learning_rate = self.learning_rate
        if self.random_state is not kept["random_state"] and not (
            isinstance(self.random_state, Integral)
            and self.random_state == kept["random_state"]
        ):
            trainer.rng = check_random_state(self.random_state)
        if trainer.sampler is not None:
            settings = trainer.sampler.settings
            if any(getattr(self, name) != kept[name] for name in settings):
                sampler = self._sampler()
                sampler.restore(trainer.sampler.fitted_attributes())
                trainer.sampler = sampler
        self._trainer_settings = self._settings_of_trainer()

    def _minibatch_pass(self, X, params, *, shuffle, where):
        """One pass of the trainer over X; records its mean minibatch loss."""
        trainer = self._trainer
        params, loss = trainer.run_pass(
            self._loss(trainer.unit),
            X,
            params,
            batch_size=self.batch_size,
            shuffle=shuffle,
            where=where,
        )
        self.loss_curve_.append(loss)
        self.n_iter_ += 1
        if trainer.sampler is not None:
            for name, value in trainer.sampler.fitted_attributes().items():
                setattr(self, name, value)
        return params

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
        xp, where = self._fitted_namespace()
        return self._model.input_filters(
            self._energy_params(self.intercept_visible_.dtype, xp, where)
        )

    def _check_settings(self):
        """Validate the parameters again before a fitted model is used.

        ``set_params`` validates nothing, and ``encoding`` and ``threshold``
        are read when the model is used. The model's hyperparameters (the
        mPoT's ``gamma``) were trained with: a model used at another value
        is another model, so a change is refused until the model is fitted
        again.
        """
        self._validate_params()
        for name, fitted in getattr(self, "_fitted_hyperparameters", {}).items():
            if getattr(self, name) != fitted:
                raise ValueError(
                    f"{name} is {getattr(self, name)!r}, but the model was fitted "
                    f"with {name}={fitted!r}: {name} changed since fit. Call fit "
                    f"again, or set {name} back to {fitted!r}."
                )

    def _finite(self, compute, X, method):
        """``compute()``, the result of ``method`` on X; an error if it overflowed.

        X is finite (validated), and so is what every method computes of it,
        but rows far outside the fitted model's scale overflow X's dtype:
        such a result is refused rather than returned as inf or NaN.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            out = compute()
        xp = namespace(out)
        if bool(xp.all(xp.isfinite(out))):
            return out
        raise ValueError(
            f"{method} overflowed {X.dtype} on X, whose largest magnitude is "
            f"{_peak(X):.3g}: X is far outside the scale of the data the model was "
            f"fitted on (visible_std_={self.visible_std_:.3g}). Scale X as the "
            "training data was scaled."
        )

    def _validated_params(self, X, method):
        """Validate X for a fitted model; return it with the model's parameters.

        The parameters are arrays of X's namespace, on its device. Under
        array API dispatch, X must be of the namespace and device of the
        data ``fit`` saw, as scikit-learn requires.
        """
        check_is_fitted(self)
        self._check_settings()
        X, xp, where = input_namespace(X)
        check_same_namespace(X, self.intercept_visible_, self, method)
        X = validate_data(self, X, dtype=[xp.float64, xp.float32], reset=False)
        return X, self._energy_params(X.dtype, xp, where)

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
        return self._finite(lambda: self._encode(X, params), X, "transform")

    def _encode(self, X, params):
        """The relu or soft threshold features of validated X."""
        xp = namespace(X)
        filters, bias = self._model.input_filters(params)
        if self.encoding == "soft_threshold":
            # projections of u - b on unit-norm filters, u = v / sigma (so in
            # units of sigma), as one affine map of v
            unit = filters / xp.sqrt(xp.sum(filters * filters, axis=1))[:, None]
            bias = -(unit @ params["intercept_visible"])
            filters = unit / self.visible_std_
        shape = (X.shape[0], self._n_features_out)
        if xp is np:
            out = np.empty(shape, dtype=X.dtype)
        else:
            out = xp.empty(shape, dtype=X.dtype, device=device(X))
        dtype = float_dtype(xp, X.dtype)
        row_floats = X.shape[1] + shape[1]
        for batch in chunk_slices(X.shape[0], row_floats, dtype, cache_sized=xp is np):
            if self.encoding == "relu":
                relu(X[batch, :], filters, bias, out=out[batch, :])
            else:
                soft_threshold(
                    X[batch, :], filters, bias, self.threshold, out=out[batch, :]
                )
        return out

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

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only used to validate feature names with the names seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per column of :meth:`transform`'s output, in its order.

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
    def _n_hidden(self):
        return sum(
            getattr(self, f"{block.filters}_").shape[0] for block in self._model.units
        )

    @property
    def _n_features_out(self):
        return self._n_hidden * (2 if self.encoding == "soft_threshold" else 1)

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
        X, params = self._validated_params(X, "free_energy")
        return self._finite(
            lambda: self._model.free_energy(X, params), X, "free_energy"
        )

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
        if hasattr(self, "intercept_visible_"):
            check_same_namespace(X, self.intercept_visible_, self, "score_samples")
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
        X, params = self._validated_params(X, "reconstruct")
        return self._finite(
            lambda: self._model.reconstruct(X, params), X, "reconstruct"
        )

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
        X, params = self._validated_params(X, "denoise")
        # a contracting iteration has settled long before 10,000 steps, and a
        # count past that would run for hours without changing the result
        if isinstance(n_steps, bool) or not (
            isinstance(n_steps, Integral) and 0 <= n_steps <= _MAX_DENOISE_STEPS
        ):
            raise ValueError(
                f"n_steps must be an integer from 0 to {_MAX_DENOISE_STEPS}, got "
                f"{n_steps!r}."
            )
        # v <- v + s (r(v) - v) scales the distance to a fixed point of r by
        # 1 - s (1 - l) along an eigenvector of r's Jacobian there: where r
        # contracts (l in [0, 1)) steps up to 2 never let it grow, larger
        # ones do (step_size=inf gave NaN)
        if isinstance(step_size, bool) or not (
            isinstance(step_size, Real) and 0 < step_size <= 2
        ):
            raise ValueError(
                f"step_size must be a number in (0, 2], the fraction of the way to "
                f"the reconstruction taken at each step; got {step_size!r}."
            )

        def steps():
            out = copy(X)
            for _ in range(n_steps):
                out += step_size * (self._model.reconstruct(out, params) - out)
            return out

        return self._finite(steps, X, "denoise")

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
        xp, where = self._fitted_namespace()
        dtype = float_dtype(xp, self.intercept_visible_.dtype)
        params = self._energy_params(dtype)
        out = np.empty((n_samples, self.n_features_in_), dtype=dtype)
        # independent chains, run in chunks of rows to bound the memory
        row_floats = 3 * self.n_features_in_ + 2 * self._n_hidden
        for batch in chunk_slices(n_samples, row_floats, dtype):
            start = rng.standard_normal((batch.stop - batch.start, out.shape[1]))
            start += params["intercept_visible"]
            start *= self.visible_std_
            sampler = self._sampler()
            sampler.restore(vars(self))  # e.g. the adapted HMC step size
            out[batch] = self._model.sample(
                start.astype(dtype), params, n_steps, rng, sampler
            )
        return convert(out, xp, where)

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
        X, params = self._validated_params(X, "score_terms")
        return self._finite(lambda: self._model.sm_terms(X, params), X, "score_terms")

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
        if hasattr(self, "intercept_visible_"):
            check_same_namespace(X, self.intercept_visible_, self, "score")
        terms = self.score_terms(X)
        if isinstance(terms, np.ndarray):
            return -float(np.mean(terms.sum(axis=1), dtype=np.float64))
        # the mean of the rows' objectives in float64, on the host
        row_sums = to_numpy(namespace(terms).sum(terms, axis=1))
        return -float(np.mean(row_sums, dtype=np.float64))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.array_api_support = True
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


def _column_means(X):
    """Mean of each column, as a float64 NumPy array."""
    xp = namespace(X)
    if xp is np:
        return X.mean(axis=0, dtype=np.float64)
    return to_numpy(xp.mean(X, axis=0)).astype(np.float64)


def _peak(X):
    """The largest magnitude in X, a float (X's reductions make no copy)."""
    xp = namespace(X)
    return max(float(xp.max(X)), -float(xp.min(X)))


def _column_variances(X, unit=1.0):
    """Variance of each column of ``X / unit``, a float64 NumPy array.

    For NumPy, computed in float64 with temporaries of bounded size (``X.var``
    would make a centered copy of X, which defeats fitting a memmap larger
    than memory). X of another Array API namespace is reduced on its device,
    in its dtype: its squares overflow or underflow unless ``unit`` is near
    X's largest magnitude.
    """
    xp = namespace(X)
    if xp is not np:
        return to_numpy(xp.var(X / unit, axis=0)).astype(np.float64)
    mean = X.mean(axis=0, dtype=np.float64) / unit
    total = np.zeros(X.shape[1])
    for batch in chunk_slices(X.shape[0], 2 * X.shape[1], np.float64):
        centered = X[batch] / unit - mean
        total += np.einsum("ij,ij->j", centered, centered)
    return total / X.shape[0]


def _largest_variance(X, stop_above, n_power_iterations=50):
    """Largest variance of X in any direction, approached from below.

    Power iteration on the covariance from the feature of largest variance;
    it stops early once the estimate exceeds ``stop_above``, so that answering
    "is there a direction of variance above t?" costs little when there is.
    """
    xp, where = namespace(X), device(X)
    with np.errstate(over="ignore", invalid="ignore"):  # huge X: variances overflow
        mean = _column_means(X)
        variances = _column_variances(X)
        direction = np.zeros(X.shape[1])
        direction[np.argmax(variances)] = 1.0
        top = variances.max()
        for _ in range(n_power_iterations):
            if not 0 < top <= stop_above:
                break
            # products in X's dtype: a float64 vector would upcast all of X
            projection = X @ convert(direction, xp, where, X.dtype)
            projection -= float(mean @ direction)
            direction = to_numpy(X.T @ projection).astype(np.float64)
            direction /= X.shape[0]
            top = np.linalg.norm(direction)  # ||C d|| <= largest variance, ||d|| = 1
            direction /= top
    return top
