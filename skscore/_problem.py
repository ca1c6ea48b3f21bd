"""The training problem: a model, an objective, a regularizer and the data's unit.

A :class:`TrainingProblem` is everything a solver of :mod:`skscore._solvers`
needs to know about what it minimizes: the loss on rows of X as a function
of the parameters, which parameters it trains, and the constraints of the
model's parameters resolved at the data's scale. Solvers apply every
constraint the same way, through :func:`reparametrize`.
"""

import numpy as np

from ._array_api import convert, device, namespace, to_numpy


class TrainingProblem:
    """The function of the parameters that training minimizes, on rows of X.

    The objective's loss of the energy model, plus ``alpha * unit / 2``
    times the squared norm of the model's decayed parameters.

    Parameters
    ----------
    model : EnergyModel
        The energy model.

    objective : Objective
        An entry of :data:`skscore._objectives.OBJECTIVES`.

    alpha : float
        Weight decay, relative to the loss in units of ``unit``.

    scale : float
        The data's scale: the loss is in units of ``scale **
        objective.loss_power``, and constraints relative to the data's scale
        are resolved at it.

    noise : float
        Standard deviation of the corruptions of "dsm".

    n_noise_samples : int
        Corrupted copies of each row for "dsm".

    learns_visible_std : bool
        Whether the visible standard deviation is trained (when the
        objective can learn it).

    name : str
        What is minimized, for messages.

    Attributes
    ----------
    unit : float
        The natural size of the loss for the data's scale.

    trainable : list of str
        The parameters that training changes.

    bijections : dict of str to Bijection
        The map of each constrained trainable parameter onto its set.
    """

    def __init__(
        self,
        model,
        objective,
        *,
        alpha,
        scale,
        noise,
        n_noise_samples,
        learns_visible_std,
        name,
    ):
        self.model, self.objective, self.alpha = model, objective, alpha
        self.noise, self.n_noise_samples, self.name = noise, n_noise_samples, name
        self.unit = scale**objective.loss_power
        learns = learns_visible_std and objective.learns_visible_std
        names = [name for name in model.trainable if name != "log_visible_std"]
        self.trainable = names + ["log_visible_std"] if learns else names
        self._constraints = {
            name: constraint
            for name, constraint in model.constraints.items()
            if name in self.trainable
        }
        self.bijections = {
            name: constraint.bijection(scale)
            for name, constraint in self._constraints.items()
        }

    def reparametrized(self, *, bounded_steps):
        """The bijections a solver steps through, by parameter name.

        Every one for a solver with unbounded trial points (a line search);
        a solver whose steps are bounded (Adam) steps on the parameters of
        constraints that only guard against divergence, and checks them
        (see :meth:`outside`).
        """
        return {
            name: bijection
            for name, bijection in self.bijections.items()
            if not bounded_steps or self._constraints[name].always_reparametrized
        }

    def outside(self, params, reparametrized):
        """Names of the parameters outside their sets, of those not reparametrized."""
        return [
            name
            for name, bijection in self.bijections.items()
            if name not in reparametrized and not bijection.contains(params[name])
        ]

    def draw(self, X, rng):
        """What the objective needs from ``rng`` for the rows of X, or None."""
        return self.objective.draw(X, rng, self.noise, self.n_noise_samples)

    def loss(self, X, draws, reparametrized):
        """The loss on X, a function ``params -> (loss, grads)`` of NumPy arrays.

        ``draws`` are what :meth:`draw` returned or the model samples of a
        contrastive loss; the parameters of ``reparametrized`` (see
        :meth:`reparametrized`) are in the unconstrained coordinates of
        their bijections. For X of another namespace, the function moves the
        parameters to X's device and the gradients back, once per call.
        """
        data_loss = self.objective.data_loss(self.model, X, draws, self.noise)
        if namespace(X) is not np:
            data_loss = _on_device(data_loss, namespace(X), device(X))
        return reparametrize(self._regularized(data_loss), reparametrized)

    def _regularized(self, data_loss):
        """``data_loss`` plus ``unit`` times the ``alpha`` penalty on the weights."""
        if self.alpha == 0:
            return data_loss
        strength = self.alpha * self.unit

        def regularized_loss(params):
            loss, grads = data_loss(params)
            for name in self.model.decayed:
                W = params[name]
                loss += 0.5 * strength * float(np.einsum("ij,ij->", W, W))
                grads[name] = grads[name] + strength * W
            return loss, grads

        return regularized_loss


def reparametrize(objective, bijections):
    """``objective`` as a function of the unconstrained coordinates of ``bijections``.

    The returned function maps each entry named in ``bijections`` onto its
    set, evaluates ``objective`` there and pulls its gradient back.
    """
    if not bijections:
        return objective

    def on_free_coordinates(free):
        params = constrain(free, bijections)
        loss, grads = objective(params)
        grads = dict(grads)
        for name, bijection in bijections.items():
            grads[name] = bijection.pullback(free[name], params[name], grads[name])
        return loss, grads

    return on_free_coordinates


def constrain(free, bijections):
    """Copy of the parameters ``free`` with the entries of ``bijections`` mapped."""
    params = dict(free)
    for name, bijection in bijections.items():
        params[name] = bijection.forward(free[name])
    return params


def unconstrain(params, bijections):
    """Copy of ``params`` with the entries of ``bijections`` in free coordinates."""
    free = dict(params)
    for name, bijection in bijections.items():
        free[name] = bijection.inverse(params[name])
    return free


def _on_device(loss, xp, where):
    """``loss`` of parameters on the device, as a function of NumPy parameters."""

    def host_loss(params):
        value, grads = loss({name: convert(v, xp, where) for name, v in params.items()})
        return float(value), {name: to_numpy(g) for name, g in grads.items()}

    return host_loss
