"""Markov chains on the models of :mod:`skscore.energies`.

Block Gibbs sampling for the GBRBM and Hybrid Monte Carlo on the free energy
for any model (the mPoT's hidden units are not conjugate to a simple visible
conditional). Both run on ``u = v / sigma``, where the density is
``exp(-F_1(u))`` for the unit-variance free energy ``F_1``, and return rows in
the units of ``v``. They give the negative samples of the maximum-likelihood
baselines (see the mathematics page of the documentation, section
"Maximum-likelihood baselines") and the estimators' ``sample``.
"""

import numpy as np

from .energies import _experts

#: acceptance rate toward which ``adapt_step_size`` drives the HMC step
TARGET_ACCEPTANCE = 0.9


def gibbs(V, experts, n_steps, rng):
    """``n_steps`` sweeps of block Gibbs sampling of a GBRBM, from the rows V.

    Each sweep draws ``h ~ Bernoulli(sigm(W u + c))`` and then
    ``u ~ N(b + W^T h, I)``.
    """
    B, c, b = experts.filters, experts.intercept_hidden, experts.intercept_visible
    sigma = np.exp(experts.log_visible_std)
    U = V / sigma
    for _ in range(n_steps):
        H = U @ B.T
        H += c
        _experts.sigmoid(H, out=H)
        H = (rng.random(H.shape) < H).astype(U.dtype)
        U = H @ B
        U += b
        U += rng.standard_normal(U.shape).astype(U.dtype, copy=False)
    return U * sigma


def hmc(V, experts, n_leapfrog_steps, step_size, rng):
    """One Hybrid Monte Carlo trajectory from each row of V.

    The leapfrog integrator runs ``n_leapfrog_steps`` steps of size
    ``step_size`` (in units of ``u``) on ``F_1(u) + |p|^2 / 2`` from a fresh
    Gaussian momentum ``p``; the end point is accepted with the Metropolis
    probability, row by row, and a diverging trajectory is rejected.

    Returns
    -------
    V_new : ndarray of the shape of V
        The rows after the trajectory (the old row where it was rejected).

    accepted : ndarray of bool, shape (n_rows,)
        Which rows moved.
    """
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


def adapt_step_size(step_size, acceptance_rate):
    """Step size after one trajectory: 2% larger above the target rate, else 2% smaller.

    The rule of Ranzato and Hinton's HMC for the mPoT, which keeps the
    acceptance rate near :data:`TARGET_ACCEPTANCE`.
    """
    return step_size * (1.02 if acceptance_rate > TARGET_ACCEPTANCE else 0.98)
