"""An energy model declared by its blocks of hidden units, and all it computes."""

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from .._array_api import concat, device, namespace, zeros
from . import _experts
from ._constraints import Constraint, LogScaleInterval, UnitNormRows
from ._samplers import HamiltonianMC, Sampler
from ._units import Units

#: a model's parameters: arrays named as in :attr:`EnergyModel.parameters`
Params = Mapping[str, np.ndarray]

#: a learned sigma stays within this factor of the data's scale, where
#: float32 objectives stay finite at every L-BFGS trial point
_VISIBLE_STD_RANGE = 1e6


class Parameter(NamedTuple):
    """The declaration of one entry of a model's parameter dict.

    Attributes
    ----------
    shape : tuple of str
        Names of its axes, such as ``("n_components", "n_features")``.

    trainable : bool
        Whether the objectives return its gradient; a parameter that is not
        trainable is a fixed hyperparameter (a 0-d array).

    decayed : bool
        Whether weight decay (an estimator's ``alpha``) penalizes it.

    constraint : Constraint or None
        The set that every solver keeps it in (rows of unit norm, an
        interval around the data's scale); None for none.
    """

    shape: tuple
    trainable: bool = True
    decayed: bool = False
    constraint: Constraint | None = None


class UnitBlock(NamedTuple):
    """A block of hidden units of one type and the names of its parameters.

    Attributes
    ----------
    units : Units
        The unit type, which defines the potential of every unit of the block.

    filters : str
        Name of the block's filters, of shape ``(n_units, n_features)``.

    n_units : str
        Name of the axis that counts the block's units.

    bias : str or None, default=None
        Name of the block's hidden biases, of shape ``(n_units,)``; None for
        units without a bias.

    decayed : bool, default=False
        Whether weight decay penalizes the filters.

    unit_norm : bool, default=False
        Whether the filters' rows are constrained to unit norm in training.
    """

    units: Units
    filters: str
    n_units: str
    bias: str | None = None
    decayed: bool = False
    unit_norm: bool = False


class EnergyModel:
    """A Gaussian plus a sum of one-filter experts: free energy and objectives.

    With visible standard deviation ``sigma``, ``u = v / sigma``, visible bias
    ``b`` (``intercept_visible``), filters ``B`` (every block's, stacked)
    and hidden biases ``c``, the free energy is

        F(v) = 1/2 ||u - b||^2 + sum_j rho_j(z_j),      z = B u + c,

    where each block's unit type gives the potential ``rho`` of its units.
    Every method takes the parameters as a dict of arrays named as in
    :attr:`parameters`, and works on rows of X in float32 or float64, chunked
    so that peak memory stays bounded. The objectives return the mean loss
    over rows and its gradient for every trainable parameter (for
    ``log_visible_std``, with respect to ``log(sigma)``), in closed form;
    see the mathematics page of the documentation.

    Parameters
    ----------
    units : list of UnitBlock
        The blocks of hidden units.

    learns_visible_std : bool, default=True
        Whether the model has the parameter ``log_visible_std = log(sigma)``;
        without it, ``sigma = 1``.

    sampler : type, default=HamiltonianMC
        The :class:`~skscore.energies.Sampler` class of the model's Markov
        chains.

    Attributes
    ----------
    parameters : dict of str to Parameter
        The declaration of every parameter: the filters of each block, the
        hidden biases, ``intercept_visible``, ``log_visible_std`` and the
        hyperparameters of the unit types, in that order.

    trainable, decayed, hyperparameters : tuple of str
        The names of the parameters with each role.

    constraints : dict of str to Constraint
        The constraint of each constrained parameter.

    Examples
    --------
    The Gaussian-Bernoulli RBM with two units on three visibles:

    >>> import numpy as np
    >>> from skscore.energies import gbrbm
    >>> model = gbrbm.MODEL
    >>> model.trainable
    ('components', 'intercept_hidden', 'intercept_visible', 'log_visible_std')
    >>> params = {"components": np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3), "log_visible_std": np.array(0.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> model.free_energy(X, params).round(4)
    array([-1.3863, -1.5064])
    >>> model.hidden_expectations(X, params).round(4)
    array([[0.5   , 0.5   ],
           [0.7311, 0.5   ]])
    >>> model.grad_free_energy(X, params).round(4)
    array([[-0.5   , -0.5   ,  0.    ],
           [ 0.2689, -0.5   ,  0.    ]])
    >>> model.reconstruct(X, params).round(4)
    array([[0.5   , 0.5   , 0.    ],
           [0.7311, 0.5   , 0.    ]])
    >>> filters, bias = model.input_filters(params)
    >>> filters.shape, bias.shape
    ((2, 3), (2,))
    >>> model.sm_terms(X, params).round(4)
    array([[ 0.25  ,  0.5   , -3.    ],
           [ 0.1612,  0.4466, -3.    ]])
    >>> loss, grads = model.sm(X, params)
    >>> round(loss, 4), list(grads) == list(model.trainable)
    (-2.3211, True)
    >>> loss, grads = model.ae(X, params)
    >>> round(loss, 4), grads["intercept_visible"].shape
    (0.2056, (3,))
    >>> noise_draws = 0.1 * np.random.default_rng(0).normal(size=(1, *X.shape))
    >>> loss, grads = model.dsm(X, params, noise_draws, noise_std=0.1)
    >>> round(loss, 2)
    20.13
    >>> loss, grads = model.contrastive(X, X[::-1], params)
    >>> loss, float(np.abs(grads["components"]).max())
    (0.0, 0.0)
    >>> rng = np.random.default_rng(0)
    >>> model.sample(X, params, n_steps=10, rng=rng).shape
    (2, 3)
    """

    def __init__(
        self,
        units: Sequence[UnitBlock],
        *,
        learns_visible_std: bool = True,
        sampler: type[Sampler] = HamiltonianMC,
    ):
        self.units = tuple(units)
        self.learns_visible_std = learns_visible_std
        self.sampler = sampler
        parameters = {}
        for block in self.units:
            parameters[block.filters] = Parameter(
                (block.n_units, "n_features"),
                decayed=block.decayed,
                constraint=UnitNormRows() if block.unit_norm else None,
            )
        for block in self.units:
            if block.bias is not None:
                parameters[block.bias] = Parameter((block.n_units,))
        parameters["intercept_visible"] = Parameter(("n_features",))
        if learns_visible_std:
            parameters["log_visible_std"] = Parameter(
                (), constraint=LogScaleInterval(_VISIBLE_STD_RANGE)
            )
        for block in self.units:
            for name in block.units.hyperparameters:
                parameters[name] = Parameter((), trainable=False)
        self.parameters = parameters
        self.trainable = self._names(lambda parameter: parameter.trainable)
        self.decayed = self._names(lambda parameter: parameter.decayed)
        self.hyperparameters = self._names(lambda parameter: not parameter.trainable)
        self.constraints = {
            n: p.constraint for n, p in parameters.items() if p.constraint
        }

    def _names(self, role):
        """The names of the parameters for which ``role(parameter)`` holds."""
        return tuple(name for name, p in self.parameters.items() if role(p))

    def _bind(self, params):
        """The engine's view of the model at ``params``."""
        filters = [params[block.filters] for block in self.units]
        dtype = filters[0].dtype
        xp, where = namespace(filters[0]), device(filters[0])
        biases, blocks, start = [], [], 0
        for block, block_filters in zip(self.units, filters, strict=True):
            stop = start + block_filters.shape[0]
            biases.append(
                zeros(xp, (stop - start,), dtype, where)
                if block.bias is None
                else params[block.bias]
            )
            hyper = {name: params[name] for name in block.units.hyperparameters}
            blocks.append((block.units, slice(start, stop), hyper))
            start = stop
        return _experts.Experts(
            filters=filters[0] if len(filters) == 1 else concat(xp, filters),
            intercept_hidden=biases[0] if len(biases) == 1 else concat(xp, biases),
            intercept_visible=params["intercept_visible"],
            log_visible_std=(
                params["log_visible_std"]
                if self.learns_visible_std
                else zeros(xp, (), dtype, where)
            ),
            blocks=tuple(blocks),
        )

    def _named(self, result, experts):
        """``(loss, grads)`` with the engine's gradients named as the parameters."""
        loss, (gB, gc, gb, glog) = result
        grads = {}
        for block, (_, rows, _) in zip(self.units, experts.blocks, strict=True):
            grads[block.filters] = gB[rows, :]
        for block, (_, rows, _) in zip(self.units, experts.blocks, strict=True):
            if block.bias is not None:
                grads[block.bias] = gc[rows]
        grads["intercept_visible"] = gb
        if self.learns_visible_std:
            grads["log_visible_std"] = np.asarray(glog) if namespace(gb) is np else glog
        return loss, grads

    def free_energy(self, X: np.ndarray, params: Params) -> np.ndarray:
        """Free energy ``F(v)`` of each row, shape (n_samples,)."""
        return _experts.free_energy(X, self._bind(params))

    def grad_free_energy(self, X: np.ndarray, params: Params) -> np.ndarray:
        """Gradient of the free energy with respect to each row, ``dF/dv``."""
        return _experts.grad_free_energy(X, self._bind(params))

    def hidden_expectations(self, X: np.ndarray, params: Params) -> np.ndarray:
        """Hidden unit expectations ``E[h | v]``, one column per unit."""
        return _experts.hidden_expectations(X, self._bind(params))

    def reconstruct(self, X: np.ndarray, params: Params) -> np.ndarray:
        """``v - sigma^2 dF/dv``: the mean of the visibles given ``E[h | v]``.

        For units whose energy is linear in ``z`` that is the conditional
        mean; for any model, one unit gradient step on ``F`` when ``sigma = 1``.
        """
        return _experts.reconstruct(X, self._bind(params))

    def input_filters(self, params: Params) -> tuple[np.ndarray, np.ndarray]:
        """Filters and biases of the units' inputs: ``z = v @ filters.T + bias``."""
        return _experts.input_filters(self._bind(params))

    def sm_terms(self, X: np.ndarray, params: Params) -> np.ndarray:
        """The three score matching terms of each row, shape (n_samples, 3).

        Columns are the squared error ``1/2 ||dF/dv||^2``, the variance of
        ``dE/dv`` under ``p(h | v)`` and the curvature ``-E[d^2 E / dv_i^2]``
        summed over ``i`` (the constant ``-D / sigma^2`` included). Their sum
        is the score matching objective ``J(v)`` of each row.
        """
        return _experts.sm_terms(X, self._bind(params))

    def sm(self, X: np.ndarray, params: Params) -> tuple[float, dict]:
        """Score matching objective ``mean J(v)`` and its gradient.

        Returns
        -------
        loss : float
            Mean over rows of the score matching objective, constants included.

        grads : dict of ndarray
            Gradient of ``loss`` for each trainable entry of ``params``.
        """
        experts = self._bind(params)
        return self._named(_experts.sm(X, experts), experts)

    def ae(self, X: np.ndarray, params: Params) -> tuple[float, dict]:
        """Autoencoder objective ``mean 1/2 ||v - reconstruct(v)||^2`` and its gradient.

        The score matching objective without its variance and curvature
        regularizers (see the mathematics page of the documentation, section
        "The plain autoencoder"), in the units of ``X``.
        """
        experts = self._bind(params)
        return self._named(_experts.ae(X, experts), experts)

    def dsm(
        self,
        X: np.ndarray,
        params: Params,
        noise_draws: np.ndarray,
        noise_std: float,
    ) -> tuple[float, dict]:
        """Denoising score matching objective and its gradient.

        See the mathematics page of the documentation, section "Denoising
        score matching".

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Clean data.

        params : dict of ndarray
            Model parameters.

        noise_draws : ndarray of shape (n_noise_samples, n_samples, n_features)
            Fixed corruptions ``noise_std * eps``; each slice corrupts every row once.

        noise_std : float
            Standard deviation of the corruption, the ``sigma`` of the target
            ``(x_tilde - v) / sigma^2``.

        Returns
        -------
        loss : float
            Mean over rows and noise draws of
            ``1/2 ||dF/dv(x_tilde) - (x_tilde - v) / noise_std^2||^2``.

        grads : dict of ndarray
            Gradient of ``loss`` for each trainable entry of ``params``.
        """
        experts = self._bind(params)
        return self._named(_experts.dsm(X, experts, noise_draws, noise_std), experts)

    def contrastive(
        self, X: np.ndarray, samples: np.ndarray, params: Params
    ) -> tuple[float, dict]:
        """``mean F(X) - mean F(samples)`` and its gradient.

        With ``samples`` drawn from the model, this gradient is the stochastic
        gradient of the mean negative log-likelihood of X that contrastive
        divergence and its persistent variants follow (see the mathematics
        page of the documentation, section "Maximum-likelihood baselines"):
        the normalizer's gradient is the mean of ``dF/dparams`` under the model.
        """
        experts = self._bind(params)
        return self._named(_experts.contrastive(X, samples, experts), experts)

    def sample(
        self,
        V: np.ndarray,
        params: Params,
        n_steps: int,
        rng: np.random.RandomState,
        sampler: Sampler | None = None,
    ) -> np.ndarray:
        """Run ``n_steps`` steps of the model's Markov chain from each row of V.

        Parameters
        ----------
        V : ndarray of shape (n_chains, n_features)
            Start of each chain.

        params : dict of ndarray
            Model parameters.

        n_steps : int
            Chain steps: Gibbs sweeps or HMC trajectories.

        rng : numpy.random.RandomState or Generator
            Source of the chains' randomness.

        sampler : Sampler, default=None
            The sampler to run, with what it adapted so far; None runs a new
            one of the model's ``sampler`` class with default settings.

        Returns
        -------
        V_new : ndarray of the shape of V
            The last state of every chain.
        """
        if sampler is None:
            sampler = self.sampler()
        return sampler.run(self._bind(params), V, n_steps, rng)
