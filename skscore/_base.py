"""The base class of the score matching estimators: a shell over the kernels.

``fit`` and ``partial_fit`` validate the data, build the
:class:`~skscore._problem.TrainingProblem` of the estimator's settings,
hand it to a solver of :mod:`skscore._solvers` and set the fitted
attributes; the methods of a fitted model are in
:class:`~skscore._fitted_model.FittedModelMixin`.
"""

from numbers import Integral, Real
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from ._array_api import ArraySpace, check_space, convert, input_namespace
from ._data_checks import (
    check_sizes,
    check_units,
    column_means,
    data_scale,
    validation_split,
    warn_if_far,
)
from ._encoding import MAX_THRESHOLD
from ._fitted_model import FittedModelMixin
from ._minibatch import MinibatchTrainingMixin
from ._objectives import OBJECTIVES
from ._problem import TrainingProblem
from ._solvers import LBFGS
from ._validation import refuse_booleans, refuse_changes_since_fit

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

#: the estimator type that fit and partial_fit return
_Estimator = TypeVar("_Estimator", bound="_BaseScoreMatching")


class _BaseScoreMatching(MinibatchTrainingMixin, FittedModelMixin, BaseEstimator):
    """Base class of the estimators of an energy model of :mod:`skscore.energies`.

    A subclass names its :class:`~skscore.energies.EnergyModel` in ``_model``
    (one with a learned visible standard deviation) and has, besides the
    parameters validated here, a constructor parameter named as each axis that
    counts a block's units (``n_components``), each hyperparameter of the model
    (``gamma``) and each setting of its sampler (``n_gibbs_steps``). Each model
    parameter is fitted as the attribute of its name plus an underscore, but
    ``log_visible_std``, fitted as ``visible_std_``; the sampler's fitted
    attributes are published too. A subclass may override ``_check_input`` to
    warn about data its model cannot fit. The ``objective`` names an entry of
    :data:`~skscore._objectives.OBJECTIVES`; the state of minibatch training
    is kept as ``_trainer`` for later calls of ``partial_fit``.
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
        "threshold": [Interval(Real, 0, MAX_THRESHOLD, closed="both")],
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

    def _check_settings(self):
        """Validate the parameters again before a fitted model is used.

        ``set_params`` validates nothing, and ``encoding`` and ``threshold``
        are read when the model is used. The model's hyperparameters (the
        mPoT's ``gamma``) were trained with: a model used at another value
        is another model, so a change is refused until the model is fitted
        again.
        """
        self._validate_params()
        fitted = getattr(self, "_fitted_hyperparameters", {})
        refuse_changes_since_fit(self, fitted, "the model")

    @property
    def _objective(self):
        """The entry of the table of objectives that ``objective`` names."""
        return OBJECTIVES[self.objective]

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
        X = self._training_data(X, reset=not warm, method="fit")
        rng = check_random_state(self.random_state)
        scale = self._data_scale(X)
        self._check_units(X, scale)
        if warm:
            params = self._warm_params(X)
        else:
            params = self._init_params(X, rng, scale)
        problem = self._problem(scale)
        if self._objective.deterministic:
            X_fit, X_val = validation_split(X, self.validation_fraction, rng)
            solver = LBFGS(self.max_iter, self.tol, self.n_iter_no_change, self.verbose)
            solution = solver.solve(problem, X_fit, params, rng, X_val)
            params, self.loss_curve_, self.n_iter_, self.validation_loss_curve_ = (
                solution
            )
            self._trainer = None  # a later partial_fit starts its own
        else:
            self.loss_curve_, self.validation_loss_curve_, self.n_iter_ = [], [], 0
            self._start_trainer(problem, params, rng)
            params = self._minibatch_passes(problem, X, params, fit=True)
        self._set_energy_params(params, ArraySpace.of(X))
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
        X = self._training_data(X, reset=first, method="partial_fit")
        rng = check_random_state(self.random_state)
        if first:
            scale = self._data_scale(X)
            self._check_units(X, scale)
            params = self._init_params(X, rng, scale)
            self.loss_curve_, self.validation_loss_curve_, self.n_iter_ = [], [], 0
        else:
            self._check_units(X, self._scale)
            params = self._warm_params(X)
        problem = self._problem(self._scale)
        if first or getattr(self, "_trainer", None) is None:
            self._start_trainer(problem, params, rng)
        else:
            self._continue_trainer()
        params = self._minibatch_passes(problem, X, params, fit=False)
        self._set_energy_params(params, ArraySpace.of(X))
        return self

    def _training_data(self, X, *, reset, method):
        """X validated for training, in its namespace; sizes checked.

        Continued training (``reset=False``) must be on data of the
        namespace and device of the data seen before.
        """
        if not reset:
            check_space(X, self._space, self, method)
        X, xp, _ = input_namespace(X)
        X = validate_data(
            self,
            X,
            dtype=[xp.float64, xp.float32],
            reset=reset,
            ensure_min_samples=2 if method == "fit" else 1,
        )
        sizes = {
            block.n_units: getattr(self, block.n_units) for block in self._model.units
        }
        check_sizes(self._model, sizes, X, self._objective, self.n_noise_samples)
        return X

    def _data_scale(self, X):
        """The scale of X (see :func:`~skscore._data_checks.data_scale`).

        Starting values and stopping rules are relative to it, so that
        fitting ``X * s`` gives the fit of X for any ``s``; parameters in the
        units of X are compared with it. Kept as ``_scale`` for later calls
        of ``partial_fit``, whose chunks may be too small to measure it.
        """
        scale = data_scale(
            X,
            ArraySpace.of(X).dtype,
            learned_sigma_unbounded=(
                self.visible_std == "learn" and self._objective.has_curvature
            ),
        )
        warn_if_far(scale, "visible_std", self.visible_std, "the visible units", 100)
        if self._objective.draws_noise:
            warn_if_far(scale, "noise", self.noise, "the corruption", 10)
        self._scale = scale
        return scale

    def _check_units(self, X, scale):
        """Refuse a fixed visible_std or a noise that X's dtype cannot hold."""
        settings = {"visible_std": self.visible_std}
        if self._objective.draws_noise:
            settings["noise"] = self.noise
        check_units(ArraySpace.of(X).dtype, scale, settings)

    def _init_params(self, X, rng, scale):
        """Starting parameters for ``fit``, NumPy arrays in the dtype of X.

        Filters with unit-norm rows start as Gaussian directions, other
        filters small (standard deviation 0.01, as in a GBRBM), hidden biases
        at 0, the visible bias at the data mean and ``sigma`` at the data's
        scale (or its fixed value).
        """
        sigma = scale if self.visible_std == "learn" else self.visible_std
        self._check_input(X, sigma)
        blocks, constraints = self._model.units, self._model.constraints
        params = {}
        for block in blocks:
            filters = rng.standard_normal((getattr(self, block.n_units), X.shape[1]))
            params[block.filters] = (
                filters if block.filters in constraints else 0.01 * filters
            )
        for block in blocks:
            if block.bias is not None:
                params[block.bias] = np.zeros(getattr(self, block.n_units))
        params["intercept_visible"] = column_means(X) / sigma
        params["log_visible_std"] = np.log(sigma)
        for name in self._model.hyperparameters:
            params[name] = getattr(self, name)
        dtype = ArraySpace.of(X).dtype
        return {name: np.asarray(value, dtype=dtype) for name, value in params.items()}

    def _warm_params(self, X):
        """The fitted parameters to continue from, under the current settings.

        NumPy arrays in the dtype of X: the optimizers run on the host.
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
        space = ArraySpace.of(X).host()
        params = self._energy_params(space)
        if self.visible_std != "learn":
            params["log_visible_std"] = np.log(self.visible_std).astype(space.dtype)
        return params

    def _energy_params(self, space):
        """The energy parameters held in the fitted attributes, arrays of ``space``."""
        params = {}
        for name, parameter in self._model.parameters.items():
            if name == "log_visible_std":
                params[name] = np.log(self.visible_std_)
            elif parameter.trainable:
                params[name] = getattr(self, f"{name}_")
            else:  # a hyperparameter, set by the estimator's parameter
                params[name] = np.asarray(getattr(self, name))
        xp, where, dtype = space.xp, space.device, space.xp_dtype
        return {
            name: convert(value, xp, where, dtype) for name, value in params.items()
        }

    def _set_energy_params(self, params, space):
        """Set the fitted attributes from the parameters training reached.

        The attributes are arrays of ``space``, that of the training data,
        which is recorded as ``_space``.
        """
        self._fitted_hyperparameters = {
            name: getattr(self, name) for name in self._model.hyperparameters
        }
        for name in self._model.trainable:
            if name != "log_visible_std":
                setattr(self, f"{name}_", convert(params[name], space.xp, space.device))
        self.visible_std_ = float(np.exp(params["log_visible_std"]))
        self._space = space

    def _problem(self, scale):
        """The training problem of the current settings, for data of this scale."""
        return TrainingProblem(
            self._model,
            self._objective,
            alpha=self.alpha,
            scale=scale,
            noise=self.noise,
            n_noise_samples=self.n_noise_samples,
            learns_visible_std=self.visible_std == "learn",
            name=f"the {self.objective!r} objective of {type(self).__name__}",
        )

    def _sampler(self):
        """A new sampler of the model's, with this estimator's settings."""
        sampler = self._model.sampler
        return sampler(**{name: getattr(self, name) for name in sampler.settings})

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.array_api_support = True
        return tags
