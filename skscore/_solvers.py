"""The solvers of a :class:`~skscore._problem.TrainingProblem`.

:class:`LBFGS` minimizes the problem on all of X in one call and keeps
nothing. :class:`MinibatchAdam` runs passes of minibatch Adam; everything
that carries over between minibatches, passes and ``partial_fit`` calls
(Adam's moments, the random generator, the Markov chains, the fast weights
of FPCD) is a :class:`MinibatchState`, a value that :meth:`MinibatchAdam.init`
makes and :meth:`MinibatchAdam.run_pass` returns anew, which the estimator
keeps and which pickles with it. Both step the constrained parameters
through their bijections (:func:`~skscore._problem.reparametrize`); Adam,
whose steps are bounded, checks instead those of constraints that only
guard against divergence (:meth:`~skscore._problem.TrainingProblem.reparametrized`).
"""

from typing import NamedTuple

import numpy as np
from sklearn.utils import gen_batches

from ._chunks import parallel_chunks
from ._optim import AdamState, _pack, adam_init, adam_update, evaluate, minimize_lbfgs
from ._problem import constrain, unconstrain

#: per-update decay of the fast weights of FPCD (Tieleman and Hinton, 2009)
_FAST_DECAY = 0.95


class Solution(NamedTuple):
    """What a fit reached: the parameters and how it got there."""

    params: dict
    loss_curve: list
    n_iter: int
    validation_loss_curve: list


class LBFGS(NamedTuple):
    """Full-batch L-BFGS, stopped by the rule of ``_optim.minimize_lbfgs``."""

    max_iter: int
    tol: float
    n_iter_no_change: int
    verbose: int

    def solve(self, problem, X, params, rng, X_val=None):
        """Minimize ``problem`` on all of X from ``params``; a :class:`Solution`.

        The draws of the objective (the corruptions of "dsm") are made once,
        from ``rng``, so that L-BFGS sees a deterministic function; those of
        the validation rows ``X_val`` too. With ``X_val`` (None for none),
        the stopping rule watches the loss on those rows.
        """
        bijections = problem.reparametrized(bounded_steps=False)
        objective = problem.loss(X, problem.draw(X, rng), bijections)
        validation = None
        if X_val is not None:
            validation = problem.loss(X_val, problem.draw(X_val, rng), bijections)
        # the inverse maps compute in float64, which the start keeps
        start = _pack(unconstrain(params, bijections), problem.trainable)
        with parallel_chunks():
            free, *curves = minimize_lbfgs(
                objective,
                params,
                problem.trainable,
                max_iter=self.max_iter,
                tol=self.tol,
                n_iter_no_change=self.n_iter_no_change,
                validation=validation,
                verbose=self.verbose,
                name=problem.name,
                unit=problem.unit,
                x0=start,
            )
        return Solution(constrain(free, bijections), *curves)


class MinibatchState(NamedTuple):
    """All that minibatch training carries from one minibatch to the next.

    A step returns a new state rather than changing this one, but for its
    random generator and its sampler, which advance as they draw (the
    numbers of a fit depend on their sequence of draws).

    Attributes
    ----------
    adam : AdamState
        Adam's step count and moments.

    rng : numpy.random.RandomState
        Source of the minibatch order, the corruptions and the chains.

    sampler : Sampler or None
        The model's sampler, with what it adapted, for losses on model
        samples.

    chains : ndarray or None
        The chains' last rows; None until the first chain update.

    fast : dict of ndarray
        The fast weights of FPCD, one per trainable parameter.
    """

    adam: AdamState
    rng: np.random.RandomState
    sampler: object
    chains: np.ndarray | None
    fast: dict


class MinibatchAdam(NamedTuple):
    """Minibatch Adam, with the Markov chains of the maximum-likelihood losses."""

    learning_rate: float
    batch_size: int

    def init(self, problem, params, rng, sampler):
        """The :class:`MinibatchState` before the first minibatch at ``params``."""
        fast = {name: np.zeros_like(params[name]) for name in problem.trainable}
        return MinibatchState(
            adam_init(params, problem.trainable), rng, sampler, None, fast
        )

    def run_pass(self, problem, X, params, state, *, shuffle, where):
        """One Adam step per minibatch of X, in shuffled order or in order.

        Returns the new parameters, the new state and the mean minibatch
        loss; ``where`` says, for messages, what the pass is part of.
        """
        bijections = problem.reparametrized(bounded_steps=True)
        batches = gen_batches(len(X), self.batch_size)
        if shuffle:
            order = state.rng.permutation(len(X))
            batches = (order[batch] for batch in batches)
        losses = []
        for batch in batches:
            X_batch = X[batch]
            if not problem.objective.samples_model:
                draws = problem.draw(X_batch, state.rng)
            else:
                state = _update_chains(problem, X_batch, params, state, bijections)
                draws = state.chains
            objective = problem.loss(X_batch, draws, bijections)
            value, grads = evaluate(
                objective, params, problem.trainable, problem.name, where
            )
            params, state = self._step(problem, params, grads, state, bijections)
            losses.append(value)
        if state.sampler is not None:
            state.sampler.end_pass()
        return params, state, float(np.mean(losses))

    def _step(self, problem, params, grads, state, bijections):
        """The parameters and state after one Adam step; an error if it diverged."""
        updated, adam = adam_update(
            params, grads, state.adam, self.learning_rate, problem.unit
        )
        bad = [
            name for name in problem.trainable if not np.isfinite(updated[name]).all()
        ]
        bad += problem.outside(updated, bijections)
        if bad:
            raise ValueError(
                f"Adam step {adam.count} made {', '.join(bad)} diverge (non-finite "
                f"or out of range): learning_rate={self.learning_rate} is too "
                "large for this model and data. Lower learning_rate."
            )
        fast = state.fast
        if problem.objective.fast_weights:
            fast = {
                name: _FAST_DECAY * value + (updated[name] - params[name])
                for name, value in fast.items()
            }
        return updated, state._replace(adam=adam, fast=fast)


def _update_chains(problem, X, params, state, bijections):
    """The state after one update of its chains at ``params``.

    The chains start at X on their first update, and at every update for
    CD; FPCD runs them on the parameters plus the fast weights.
    """
    objective = problem.objective
    chain_params = constrain(params, bijections)
    if objective.fast_weights:
        chain_params = {
            name: value + state.fast[name] if name in state.fast else value
            for name, value in chain_params.items()
        }
    chains = state.chains
    if objective.restarts_chains or chains is None:
        chains = X
    chains = problem.model.sample(
        chains, chain_params, state.sampler.steps_per_update, state.rng, state.sampler
    )
    return state._replace(chains=chains)
