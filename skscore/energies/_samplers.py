"""Markov chains on the visible units of an :class:`~skscore.energies.EnergyModel`.

Block Gibbs sampling for a model of binary units (the GBRBM) and Hybrid Monte
Carlo on the free energy for any model (the mPoT's hidden units are not
conjugate to a simple visible conditional). Both run on ``u = v / sigma``,
where the density is ``exp(-F_1(u))`` for the unit-variance free energy
``F_1``, and return rows in the units of ``v``. They give the negative
samples of the maximum-likelihood baselines (see the mathematics page of the
documentation, section "Maximum-likelihood baselines") and the estimators'
``sample``. A sampler object holds its settings and whatever it adapts as it
runs, so that persistent chains continue where they stopped.
"""

import numpy as np

from . import _experts
from ._experts import Experts
from ._units import sigmoid


class Sampler:
    """A Markov chain kernel, run by :meth:`EnergyModel.sample`.

    Subclasses implement :meth:`run`; those that adapt to the model as they
    run (HMC's step size) also report what they adapted.
    """

    #: names of the estimator parameters that configure it, which its
    #: constructor takes as keyword arguments
    settings = ()

    #: chain steps per update of a training minibatch
    steps_per_update = 1

    def run(
        self,
        experts: Experts,
        V: np.ndarray,
        n_steps: int,
        rng: np.random.RandomState,
    ) -> np.ndarray:
        """``n_steps`` steps from the rows V of the model bound in ``experts``."""
        raise NotImplementedError

    def end_pass(self) -> None:
        """Close one training pass over the data: summarize its statistics."""

    def fitted_attributes(self) -> dict[str, float]:
        """What a fitted estimator publishes of the sampler: a dict by attribute."""
        return {}

    def restore(self, fitted: dict[str, float]) -> None:
        """Continue from the dict of :meth:`fitted_attributes` ``fitted``."""

    def report(self) -> str:
        """Extra words for the progress line of a training pass."""
        return ""


class BlockGibbs(Sampler):
    """Block Gibbs sampling of a model whose hidden units are all binary.

    Each sweep draws ``h ~ Bernoulli(sigm(B u + c))`` and then
    ``u ~ N(b + B^T h, I)``.

    Parameters
    ----------
    n_gibbs_steps : int, default=1
        Sweeps per update of a training minibatch.
    """

    settings = ("n_gibbs_steps",)

    def __init__(self, n_gibbs_steps: int = 1):
        self.steps_per_update = n_gibbs_steps

    def run(
        self,
        experts: Experts,
        V: np.ndarray,
        n_steps: int,
        rng: np.random.RandomState,
    ) -> np.ndarray:
        B, c = experts.filters, experts.intercept_hidden
        b = experts.intercept_visible
        sigma = np.exp(experts.log_visible_std)
        U = V / sigma
        for _ in range(n_steps):
            H = U @ B.T
            H += c
            sigmoid(H, out=H)
            H = (rng.random(H.shape) < H).astype(U.dtype)
            U = H @ B
            U += b
            U += rng.standard_normal(U.shape).astype(U.dtype, copy=False)
        return U * sigma


class HamiltonianMC(Sampler):
    """Hybrid Monte Carlo on the free energy, with an adapted step size.

    One step is a trajectory of ``n_leapfrog_steps`` leapfrog steps of size
    ``step_size`` (in units of ``u``) on ``F_1(u) + |p|^2 / 2`` from a fresh
    Gaussian momentum ``p``; its end point is accepted with the Metropolis
    probability, row by row, and a diverging trajectory is rejected. After
    each trajectory the step size grows by 2% if the acceptance rate was
    above ``target_acceptance`` and shrinks by 2% otherwise, the rule of
    Ranzato and Hinton's HMC for the mPoT.

    Parameters
    ----------
    n_leapfrog_steps : int, default=20
        Leapfrog steps per trajectory.

    step_size : float, default=0.1
        First leapfrog step size.

    Attributes
    ----------
    acceptance_rates : list of float
        Acceptance rate of each trajectory since the last :meth:`end_pass`.

    acceptance_rate : float or None
        Mean acceptance rate of the last closed pass.
    """

    settings = ("n_leapfrog_steps",)

    #: acceptance rate toward which the step size is adapted
    target_acceptance = 0.9

    def __init__(self, n_leapfrog_steps: int = 20, step_size: float = 0.1):
        self.n_leapfrog_steps = n_leapfrog_steps
        self.step_size = step_size
        self.acceptance_rates = []
        self.acceptance_rate = None

    def run(
        self,
        experts: Experts,
        V: np.ndarray,
        n_steps: int,
        rng: np.random.RandomState,
    ) -> np.ndarray:
        for _ in range(n_steps):
            V, accepted = _trajectory(
                experts, V, self.n_leapfrog_steps, self.step_size, rng
            )
            rate = accepted.mean()
            self.acceptance_rates.append(rate)
            self.step_size *= 1.02 if rate > self.target_acceptance else 0.98
        return V

    def end_pass(self) -> None:
        if self.acceptance_rates:
            self.acceptance_rate = float(np.mean(self.acceptance_rates))
        self.acceptance_rates = []

    def fitted_attributes(self) -> dict[str, float]:
        fitted = {"hmc_step_size_": self.step_size}
        if self.acceptance_rate is not None:
            fitted["acceptance_rate_"] = self.acceptance_rate
        return fitted

    def restore(self, fitted: dict[str, float]) -> None:
        self.step_size = fitted.get("hmc_step_size_", self.step_size)

    def report(self) -> str:
        return f", HMC acceptance rate {self.acceptance_rate:.3f}"


def _trajectory(experts, V, n_leapfrog_steps, step_size, rng):
    """One HMC trajectory from each row of V: the new rows and which moved."""
    unit = experts._replace(log_visible_std=np.zeros((), dtype=V.dtype))
    sigma = np.exp(experts.log_visible_std)
    U = V / sigma
    momentum = rng.standard_normal(U.shape).astype(U.dtype, copy=False)
    start = _experts.free_energy(U, unit) + 0.5 * np.einsum("ij,ij->i", *[momentum] * 2)
    with np.errstate(over="ignore", invalid="ignore"):
        proposal = U.copy()
        momentum -= 0.5 * step_size * _experts.grad_free_energy(proposal, unit)
        for step in range(n_leapfrog_steps):
            proposal += step_size * momentum
            last = step == n_leapfrog_steps - 1
            grad = _experts.grad_free_energy(proposal, unit)
            momentum -= (0.5 * step_size if last else step_size) * grad
        end = _experts.free_energy(proposal, unit)
        end += 0.5 * np.einsum("ij,ij->i", momentum, momentum)
        log_ratio = start - end
    log_ratio[~np.isfinite(log_ratio)] = -np.inf
    accepted = np.log(rng.random(len(U))) < log_ratio
    U[accepted] = proposal[accepted]
    return U * sigma, accepted
