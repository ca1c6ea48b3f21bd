"""The estimator of any energy model a user declares with :mod:`skscore.energies`."""

import inspect
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, InvalidParameterError

from ._base import _BaseScoreMatching
from ._typing import RandomStateLike
from .energies import EnergyModel


class EnergyModelTransformer(_BaseScoreMatching):
    """Fit an :class:`~skscore.energies.EnergyModel` of your own, by any objective.

    Declare a model with :mod:`skscore.energies` (its blocks of hidden units,
    each a :class:`~skscore.energies.UnitBlock` of a unit type, built in or
    a :class:`~skscore.energies.Units` subclass of your own, and its
    :class:`~skscore.energies.Sampler`), and this estimator fits it by score
    matching, denoising score matching or as an autoencoder, on the model's
    closed-form gradients, or by contrastive divergence and its persistent
    variants on the model's Markov chains; it transforms, scores, samples and
    denoises as :class:`GBRBMScoreMatching` does for its own model. The model's
    sizes, hyperparameters and sampler settings, which the built-in
    estimators take as parameters of their own names (``n_components``,
    ``gamma``, ``n_gibbs_steps``), are the entries of ``n_units``,
    ``hyperparameters`` and ``sampler_settings``; the other parameters mean
    what they mean for :class:`GBRBMScoreMatching`, whose documentation
    details them.

    Parameters
    ----------
    model : EnergyModel
        The model, such as ``skscore.energies.gbrbm.MODEL`` or one declared
        by the user.

    n_units : int or dict of str to int, default=256
        Number of hidden units of each block, by the name of the block's
        axis (``UnitBlock.n_units``); an int gives every block that many.

    hyperparameters : dict of str to float, default=None
        A value for each hyperparameter of the model's unit types
        (``EnergyModel.hyperparameters``, such as the mPoT's ``gamma``),
        fixed in training; None for a model without any.

    sampler_settings : dict of str to int, default=None
        Settings of the model's sampler (``Sampler.settings``, such as
        ``n_gibbs_steps``) for the maximum-likelihood objectives and
        :meth:`sample`: numbers of steps, from 1 to 10,000; those left out
        keep the sampler's defaults.

    visible_std : "learn" or float, default="learn"
        Standard deviation ``sigma`` of the visible units: learned, or fixed
        in the units of X. A model declared with ``learns_visible_std=False``
        has ``sigma = 1`` and needs ``visible_std=1.0``.

    objective : {"sm", "dsm", "ae", "cd", "pcd", "fpcd"}, default="sm"
        Training objective, which also decides the training regime (L-BFGS
        for the first three, minibatch Adam for the others).

    encoding : {"expectation", "relu", "soft_threshold"}, default="soft_threshold"
        What :meth:`transform` returns.

    threshold, noise, n_noise_samples, alpha : float, float, int, float
        The soft threshold (default 0.5), the noise of ``objective="dsm"``
        (0.1) and its number of draws per row (1), and the L2 penalty on the
        filters of blocks declared ``decayed`` (0.0).

    max_iter, tol, n_iter_no_change, validation_fraction : int, float, int, float
        The stopping rule of L-BFGS (defaults 500, 1e-2, 10, 0.1), and the
        number of passes of the maximum-likelihood objectives (``max_iter``).

    batch_size, learning_rate : int, float
        Minibatch Adam's, for :meth:`partial_fit` and the maximum-likelihood
        objectives (defaults 256, 0.01).

    warm_start, random_state, verbose : bool, int or RandomState, int
        Continue from the fitted parameters (default False), the seed (None)
        and the progress lines (0).

    Attributes
    ----------
    <parameter>_ : ndarray
        Each trainable parameter of the model, fitted under its name followed
        by an underscore (``components_``), but ``log_visible_std``.

    visible_std_ : float
        Fitted (or fixed) visible standard deviation.

    loss_curve_, validation_loss_curve_, n_iter_ : list, list, int
        The training loss of each iteration or pass, that on the held-out
        rows, and the number of iterations or passes.

    n_features_in_, feature_names_in_ : int, ndarray of str
        Number and names (where X had string names) of the features of X.

    See Also
    --------
    GBRBMScoreMatching, MPoTAutoencoder : The estimators of the two built-in
        models, which this estimator fits as well (with the same numbers).

    Examples
    --------
    A product of Student-t experts (the mPoT without its mean units):

    >>> import numpy as np
    >>> from skscore import EnergyModelTransformer
    >>> from skscore.energies import EnergyModel, StudentTUnits, UnitBlock
    >>> pot = EnergyModel(
    ...     [UnitBlock(StudentTUnits(), "filters", "n_experts", unit_norm=True)]
    ... )
    >>> pot.trainable, pot.hyperparameters
    (('filters', 'intercept_visible', 'log_visible_std'), ('gamma',))
    >>> X = np.random.default_rng(0).laplace(size=(500, 4))
    >>> est = EnergyModelTransformer(
    ...     pot, 3, hyperparameters={"gamma": 1.0}, max_iter=20, random_state=0
    ... ).fit(X)
    >>> est.filters_.shape, est.transform(X).shape
    ((3, 4), (500, 6))
    >>> est.get_feature_names_out()[[0, -1]].tolist()
    ['energymodeltransformer_unit0_pos', 'energymodeltransformer_unit2_neg']
    """

    _parameter_constraints: dict = {
        **_BaseScoreMatching._parameter_constraints,
        "model": [EnergyModel],
        "n_units": [Interval(Integral, 1, None, closed="left"), dict],
        "hyperparameters": [dict, None],
        "sampler_settings": [dict, None],
    }

    def __init__(
        self,
        model: EnergyModel,
        n_units: int | dict = 256,
        *,
        hyperparameters: dict | None = None,
        sampler_settings: dict | None = None,
        visible_std: float | str = "learn",
        objective: str = "sm",
        encoding: str = "soft_threshold",
        threshold: float = 0.5,
        noise: float = 0.1,
        n_noise_samples: int = 1,
        alpha: float = 0.0,
        max_iter: int = 500,
        tol: float = 1e-2,
        n_iter_no_change: int = 10,
        validation_fraction: float | None = 0.1,
        batch_size: int = 256,
        learning_rate: float = 0.01,
        warm_start: bool = False,
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ):
        self.model = model
        self.n_units = n_units
        self.hyperparameters = hyperparameters
        self.sampler_settings = sampler_settings
        self.visible_std = visible_std
        self.objective = objective
        self.encoding = encoding
        self.threshold = threshold
        self.noise = noise
        self.n_noise_samples = n_noise_samples
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.validation_fraction = validation_fraction
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # The base class reads the model from ``_model``, and its axes,
    # hyperparameters and sampler settings as attributes of their names,
    # which the built-in estimators have as parameters: here they come from
    # the parameters ``model``, ``n_units``, ``hyperparameters`` and
    # ``sampler_settings``.

    @property
    def _model(self):
        return self.model

    @property
    def _unit_kinds(self):
        """A model of several blocks names units by their axis, less its ``n_``."""
        blocks = self.model.units
        return {} if len(blocks) == 1 else {b.n_units: _kind(b.n_units) for b in blocks}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # skscore's unit types compute in any Array API namespace; one a user
        # writes may be for NumPy only
        tags.array_api_support = isinstance(self.model, EnergyModel) and all(
            type(block.units).__module__.startswith("skscore.")
            for block in self.model.units
        )
        return tags

    def __getattr__(self, name):
        # only called where normal lookup fails; ``model`` is read from
        # ``__dict__`` so that a half-built object (in unpickling) cannot recurse
        model = self.__dict__.get("model")
        if isinstance(model, EnergyModel) and not name.startswith("_"):
            settings = _model_settings(model)
            if name in settings:
                try:
                    return self._model_setting(settings[name], name)
                except KeyError:  # not given: _validate_params says so
                    pass
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )

    def _model_setting(self, kind, name):
        """The value of the model's axis, hyperparameter or sampler setting."""
        if kind == "axis":
            if isinstance(self.n_units, dict):
                return self.n_units[name]
            return self.n_units
        if kind == "hyperparameter":
            return (self.hyperparameters or {})[name]
        given = self.sampler_settings or {}
        if name in given:
            return given[name]
        return inspect.signature(self.model.sampler).parameters[name].default

    def _validate_params(self):
        super()._validate_params()
        model = self.model
        settings = _model_settings(model)
        if not model.units:
            raise InvalidParameterError(
                "The model has no block of hidden units: declare it with at "
                "least one UnitBlock."
            )
        params = self.get_params(deep=False)
        taken = [
            name for name in settings if name in params or hasattr(type(self), name)
        ]
        if taken:
            raise InvalidParameterError(
                f"The model names {sorted(taken)} as its axes, hyperparameters or "
                f"sampler settings, which are parameters or methods of "
                f"{type(self).__name__}: rename them in the model's declaration."
            )
        axes = [name for name, kind in settings.items() if kind == "axis"]
        if isinstance(self.n_units, dict):
            _check_entries("n_units", self.n_units, axes, axes, _UNITS)
        _check_entries(
            "hyperparameters",
            self.hyperparameters or {},
            model.hyperparameters,
            model.hyperparameters,
            _FINITE,
        )
        _check_entries(
            "sampler_settings",
            self.sampler_settings or {},
            model.sampler.settings,
            (),
            _STEPS,
        )
        if not model.learns_visible_std and self.visible_std != 1:
            raise InvalidParameterError(
                f"visible_std={self.visible_std!r}, but the model was declared with "
                "learns_visible_std=False: its visible standard deviation is 1. "
                "Set visible_std=1.0."
            )


def _kind(axis):
    return axis[2:] if axis.startswith("n_") else axis


def _model_settings(model):
    """What each name the model declares is: "axis", "hyperparameter" or "sampler"."""
    settings = dict.fromkeys(model.sampler.settings, "sampler")
    settings.update(dict.fromkeys(model.hyperparameters, "hyperparameter"))
    settings.update(dict.fromkeys((b.n_units for b in model.units), "axis"))
    return settings


def _number(value):
    return isinstance(value, Real) and not isinstance(value, bool)


#: the values each dict parameter takes, and how its error message says so;
#: beyond 10,000 sampler steps per minibatch update (the built-in estimators'
#: bound) a training pass never ends
_UNITS = (
    lambda v: _number(v) and isinstance(v, Integral) and v >= 1,
    "positive integers",
)
_STEPS = (lambda v: _UNITS[0](v) and v <= 10_000, "integers from 1 to 10,000")
_FINITE = (lambda v: _number(v) and bool(np.isfinite(v)), "finite numbers")


def _check_entries(parameter, given, allowed, required, values):
    """Refuse a dict parameter with unknown or missing keys, or invalid values."""
    unknown = sorted(set(given) - set(allowed))
    missing = sorted(set(required) - set(given))
    valid, what = values
    invalid = {name: value for name, value in given.items() if not valid(value)}
    if unknown or missing or invalid:
        raise InvalidParameterError(
            f"The {parameter!r} parameter of EnergyModelTransformer must give "
            f"{what} for the model's {list(allowed)}"
            + (f"; {missing} are missing" if missing else "")
            + (f"; {unknown} are not the model's" if unknown else "")
            + (f"; {invalid} are not valid" if invalid else "")
            + "."
        )
