"""Training regimes of the estimators: full-batch L-BFGS and minibatch Adam.

An estimator's ``objective`` picks a loss of its energy model and the regime
that ``fit`` trains it with, as :data:`OBJECTIVES` says. Both regimes
minimize a :class:`TrainingLoss`; :func:`fit_lbfgs` keeps no state beyond
one call, while a :class:`MinibatchTrainer` holds everything that carries
over between minibatches and ``partial_fit`` calls.
"""

from typing import NamedTuple

import numpy as np
from sklearn.utils import gen_batches

from ._array_api import convert, device, namespace, to_numpy
from ._chunks import parallel_chunks
from ._optim import Adam, evaluate, minimize_lbfgs, normalize_rows, on_unit_rows

#: per-update decay of the fast weights of FPCD (Tieleman and Hinton, 2009)
_FAST_DECAY = 0.95


class Objective(NamedTuple):
    """How an estimator trains one value of its ``objective`` parameter.

    Attributes
    ----------
    loss : {"sm", "dsm", "ae", "contrastive"}
        The energy model's objective that training minimizes.

    optimizer : {"L-BFGS", "minibatch Adam"}
        What ``fit`` minimizes it with.

    loss_power : int
        The power of the data's scale in which the loss is expressed: the
        score matching losses are in units of 1 / X**2, the autoencoder's in
        units of X**2 and the contrastive free energy difference has none.

    chain_mode : {None, "restart", "persistent", "fast"}
        Where each update's Markov chains start: at the minibatch (CD), where
        they stopped (PCD), or where they stopped, run on the parameters plus
        decaying fast weights (FPCD); None for losses without model samples.
    """

    loss: str
    optimizer: str
    loss_power: int
    chain_mode: str | None


#: The values of the estimators' ``objective``. ``fit`` minimizes the score
#: matching losses, deterministic given X (the corruptions of "dsm" are drawn
#: once per fit), by full-batch L-BFGS: ``max_iter`` bounds its iterations,
#: which stop once the loss on held-out rows (``validation_fraction``) has
#: improved by less than ``tol`` of its progress over ``n_iter_no_change``
#: iterations. The maximum-likelihood objectives have only a stochastic
#: gradient (negative samples from the model's Markov chains), which L-BFGS
#: cannot follow: ``fit`` runs ``max_iter`` shuffled passes of minibatch Adam
#: (``batch_size`` rows, step ``learning_rate``) and has no use for the
#: stopping rule, whose noisy contrastive loss would not tell convergence.
#: ``partial_fit`` runs one pass of minibatch Adam over its rows in order,
#: for every objective.
OBJECTIVES = {
    "sm": Objective("sm", "L-BFGS", -2, None),
    "dsm": Objective("dsm", "L-BFGS", -2, None),
    "ae": Objective("ae", "L-BFGS", 2, None),
    "cd": Objective("contrastive", "minibatch Adam", 0, "restart"),
    "pcd": Objective("contrastive", "minibatch Adam", 0, "persistent"),
    "fpcd": Objective("contrastive", "minibatch Adam", 0, "fast"),
}


class TrainingLoss:
    """The function of the parameters that training minimizes, on rows of X.

    The energy model's loss for ``objective``, plus ``alpha * unit / 2`` times
    the squared norm of the model's decayed parameters, with the rows of its
    unit-norm parameters normalized by reparametrization (the optimizers see
    unconstrained rows).

    Parameters
    ----------
    model : EnergyModel
        The energy model.

    objective : str
        A key of :data:`OBJECTIVES`.

    alpha : float
        Weight decay, relative to the loss in units of ``unit``.

    unit : float
        The natural size of the loss for the data's scale.

    noise_std : float
        Standard deviation of the corruptions of "dsm".

    n_noise_samples : int
        Corrupted copies of each row for "dsm".

    name : str
        What is minimized, for messages.
    """

    def __init__(
        self, model, objective, *, alpha, unit, noise_std, n_noise_samples, name
    ):
        self.model = model
        self.objective = OBJECTIVES[objective]
        self.alpha = alpha
        self.unit = unit
        self.noise_std = noise_std
        self.n_noise_samples = n_noise_samples
        self.name = name

    def draw_noise(self, X, rng):
        """The corruptions of "dsm" for the rows of X, or None for other losses.

        Drawn on the host from ``rng``, then moved to X's namespace and device.
        """
        if self.objective.loss != "dsm":
            return None
        xp = namespace(X)
        noise_draws = rng.standard_normal((self.n_noise_samples, *X.shape))
        noise_draws *= self.noise_std
        return convert(noise_draws, xp, device(X), X.dtype)

    def on(self, X, *, noise_draws=None, samples=None):
        """The loss on X, a function ``params -> (loss, grads)``.

        ``noise_draws`` are the corruptions of "dsm", ``samples`` the model
        samples of the contrastive loss. The function takes and returns NumPy
        arrays; for X of another namespace it moves the parameters to X's
        device and the gradients back, once per call.
        """
        model, loss = self.model, self.objective.loss
        if loss == "sm":

            def data_loss(params):
                return model.sm(X, params)

        elif loss == "dsm":

            def data_loss(params):
                return model.dsm(X, params, noise_draws, self.noise_std)

        elif loss == "ae":

            def data_loss(params):
                return model.ae(X, params)

        else:

            def data_loss(params):
                return model.contrastive(X, samples, params)

        if namespace(X) is not np:
            data_loss = _on_device(data_loss, namespace(X), device(X))
        return on_unit_rows(self._regularized(data_loss), model.unit_norm)

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


def _on_device(loss, xp, where):
    """``loss`` of parameters on the device, as a function of NumPy parameters."""

    def host_loss(params):
        value, grads = loss({name: convert(v, xp, where) for name, v in params.items()})
        return float(value), {name: to_numpy(g) for name, g in grads.items()}

    return host_loss


def fit_lbfgs(
    loss,
    X,
    params,
    rng,
    *,
    trainable,
    bounds,
    max_iter,
    tol,
    n_iter_no_change,
    X_val,
    verbose,
):
    """Minimize ``loss`` on all of X by L-BFGS, from ``params``.

    The corruptions of "dsm" are drawn once, from ``rng``, so that L-BFGS
    sees a deterministic function; those of the validation rows ``X_val``
    too. With ``X_val`` (None for none), the stopping rule watches the loss
    on those rows. Returns the parameters reached (rows of unit-norm
    parameters unnormalized), the loss curve, the number of iterations and
    the validation loss curve; see :func:`skscore._optim.minimize_lbfgs`.
    """
    objective = loss.on(X, noise_draws=loss.draw_noise(X, rng))
    validation = None
    if X_val is not None:
        validation = loss.on(X_val, noise_draws=loss.draw_noise(X_val, rng))
    with parallel_chunks():
        return minimize_lbfgs(
            objective,
            params,
            trainable,
            max_iter=max_iter,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            validation=validation,
            verbose=verbose,
            name=loss.name,
            unit=loss.unit,
            bounds=bounds,
        )


class MinibatchTrainer:
    """Minibatch Adam, with the Markov chains of the maximum-likelihood losses.

    It holds all that carries over from one minibatch, pass or
    ``partial_fit`` call to the next, and pickles with its estimator.

    Parameters
    ----------
    params : dict of ndarray
        The starting parameters, which give the state its shapes.

    trainable : list of str
        Names of the parameters to train.

    learning_rate : float
        Adam step size.

    unit : float
        The natural size of the loss, by which Adam divides its gradients.

    bounds : dict of str to (float, float)
        Ranges that an Adam step must keep trainable scalars in.

    rng : numpy.random.RandomState
        Source of the minibatch order, the corruptions and the chains.

    sampler : Sampler or None
        The model's sampler, for losses on model samples.

    Attributes
    ----------
    adam : Adam
        The optimizer and its moments.

    rng : numpy.random.RandomState
        As given; it advances with every draw.

    sampler : Sampler or None
        As given, with what it adapted.

    chains : ndarray or None
        The chains' last rows; None until the first chain update.

    fast : dict of ndarray
        The fast weights of FPCD, one per trainable parameter.
    """

    def __init__(self, params, trainable, *, learning_rate, unit, bounds, rng, sampler):
        self.adam = Adam(params, trainable, learning_rate, unit=unit, bounds=bounds)
        self.rng = rng
        self.sampler = sampler
        self.chains = None
        self.fast = {name: np.zeros_like(params[name]) for name in trainable}

    @property
    def unit(self):
        """The natural size of the loss that the trainer was started with."""
        return self.adam.unit

    def run_pass(self, loss, X, params, *, batch_size, shuffle, where):
        """One Adam step per minibatch of X, in shuffled order or in order.

        Returns the new parameters and the mean minibatch loss; ``where``
        says, for messages, what the pass is part of.
        """
        chain_mode = loss.objective.chain_mode
        batches = gen_batches(len(X), batch_size)
        if shuffle:
            order = self.rng.permutation(len(X))
            batches = (order[batch] for batch in batches)
        losses = []
        for batch in batches:
            X_batch = X[batch]
            if chain_mode is None:
                noise_draws = loss.draw_noise(X_batch, self.rng)
                objective = loss.on(X_batch, noise_draws=noise_draws)
            else:
                samples = self.update_chains(X_batch, params, loss.model, chain_mode)
                objective = loss.on(X_batch, samples=samples)
            value, grads = evaluate(
                objective, params, self.adam.names, loss.name, where
            )
            updated = self.adam.step(params, grads)
            if chain_mode == "fast":
                for name, fast in self.fast.items():
                    fast *= _FAST_DECAY
                    fast += updated[name] - params[name]
            params = updated
            losses.append(value)
        if self.sampler is not None:
            self.sampler.end_pass()
        return params, float(np.mean(losses))

    def update_chains(self, X, params, model, mode):
        """Run the chains one update at ``params`` and return their rows.

        ``mode`` is the :attr:`Objective.chain_mode` of the loss; the chains
        start at X on their first update.
        """
        chain_params = normalize_rows(params, model.unit_norm)
        if mode == "fast":
            chain_params = {
                name: value + self.fast[name] if name in self.fast else value
                for name, value in chain_params.items()
            }
        if mode == "restart" or self.chains is None:
            self.chains = X
        self.chains = model.sample(
            self.chains,
            chain_params,
            self.sampler.steps_per_update,
            self.rng,
            self.sampler,
        )
        return self.chains
