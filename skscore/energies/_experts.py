"""Shared engine for energies that are a Gaussian plus a sum of one-filter experts.

Every model of :mod:`skscore.energies` has, with ``u = v / sigma``, the free energy

    F(v) = 1/2 ||u - b||^2 + sum_j rho_j(z_j),      z = u B^T + c,

for filters ``B`` (one row per hidden unit), hidden biases ``c`` and an
elementwise potential ``rho`` per unit (``-softplus`` for a binary unit,
``gamma log(1 + z^2 / 2)`` for a Student-t covariance unit, ``-z^2 / 2`` for a
Gaussian unit). Then, with ``rho'``, ``rho''``, ``rho'''`` written ``P1``, ``P2``,
``P3``, and ``S_j = ||B_j||^2``,

    sigma dF/dv      = g = u - b + P1 B
    sigma^2 d2F/dv_i^2 = 1 + sum_j rho''(z_j) B_ji^2
    sigma^2 J(v)     = 1/2 ||g||^2 - sum_j rho''(z_j) S_j - D

and the gradients of every objective follow by one shared backward pass
(see the mathematics page of the documentation, sections "Closed-form
gradients" and "The visible standard deviation"). An
:class:`~skscore.energies.EnergyModel` binds its parameters into an
:class:`Experts`; this module does the chunked linear algebra.

Unit quantities are held transposed, one row per hidden unit and one column
per data row (``Z`` is ``B u^T + c``, shape (units, rows)), so that a model's
blocks of units (the mPoT's covariance and mean units) are contiguous: NumPy's
vectorized loops run several times slower on strided column blocks.

Every function computes in the namespace and on the device of its arrays
(see :mod:`skscore._array_api`): NumPy arrays in cache-sized chunks of rows
on every core, with in-place ufuncs; other namespaces in chunks as large as
``working_memory`` allows, one after the other (a GPU is parallel within
each product).
"""

from typing import NamedTuple

import numpy as np

from .._array_api import (
    astype,
    concat,
    copy,
    device,
    float_dtype,
    namespace,
    row_dots,
    total_dot,
    ufunc,
)
from .._chunks import chunk_slices, map_chunks


class Experts(NamedTuple):
    """A model at given parameters, in the engine's terms.

    ``filters`` stacks every unit block's filters, one row per unit, and
    ``intercept_hidden`` their biases (zero for units without one);
    ``blocks`` holds, per block of units, its unit type, its rows and the
    keyword arguments (hyperparameters) its methods take. Unit quantities
    such as ``Z`` have one row per unit and one column per data row.
    """

    filters: np.ndarray
    intercept_hidden: np.ndarray
    intercept_visible: np.ndarray
    log_visible_std: np.ndarray
    blocks: tuple

    def derivatives(self, Z, n):
        """``[rho'(Z), rho''(Z), ...]``: ``n`` new arrays of Z's shape."""
        xp = namespace(Z)
        out = [xp.empty_like(Z) for _ in range(n)]
        for units, rows, hyper in self.blocks:
            units.derivatives(Z[rows, :], [P[rows, :] for P in out], **hyper)
        return out

    def potential(self, Z):
        """The sum of ``rho(Z)`` over units, one value per data row."""
        total = None
        for units, rows, hyper in self.blocks:
            part = units.potential(Z[rows, :], **hyper)
            total = part if total is None else total + part
        return total

    def expectations(self, Z):
        """The hidden unit expectations, in Z's layout."""
        parts = [
            units.expectations(Z[rows, :], **hyper)
            for units, rows, hyper in self.blocks
        ]
        return parts[0] if len(parts) == 1 else concat(namespace(Z), parts)

    def curvature(self, Z, S):
        """The curvature part of ``-sum_j rho''(z_j) S_j`` for each data row."""
        total = 0.0
        for units, rows, hyper in self.blocks:
            mean_curvature = units.mean_curvature(Z[rows, :], **hyper)
            if mean_curvature is not None:
                total = total - S[rows] @ mean_curvature
        return total


def _chunk(X, sl, experts, noise_draw=None):
    """``(u, Z)`` for the rows ``sl`` of ``u = (X + noise_draw) / sigma``.

    ``Z = B u^T + c`` has one row per unit and one column per row of ``u``.
    """
    inv_sigma = namespace(X).exp(-experts.log_visible_std)
    if noise_draw is None:
        U = X[sl, :] * inv_sigma
    else:
        U = X[sl, :] + noise_draw[sl, :]
        U *= inv_sigma
    Z = experts.filters @ U.T
    Z += experts.intercept_hidden[:, None]
    return U, Z


def _slices(X, experts):
    xp = namespace(X)
    return chunk_slices(
        X.shape[0],
        4 * X.shape[1] + 6 * experts.filters.shape[0],
        float_dtype(xp, X.dtype),
        cache_sized=xp is np,
    )


def _row_chunks(X, experts):
    """Yield ``(slice, u, Z)`` per chunk of rows, as :func:`_chunk` makes them."""
    for sl in _slices(X, experts):
        yield (sl, *_chunk(X, sl, experts))


def _residual(U, P1, experts):
    """``g = u - b + P1^T B``, the scaled free energy gradient (rows x D)."""
    G = P1.T @ experts.filters
    G += U
    G -= experts.intercept_visible
    return G


def input_filters(experts):
    """``(B / sigma, c)``: the affine map ``v -> z`` into the units' inputs."""
    xp = namespace(experts.filters)
    return (
        experts.filters * xp.exp(-experts.log_visible_std),
        copy(experts.intercept_hidden),
    )


def _empty(X, shape):
    xp = namespace(X)
    if xp is np:
        return np.empty(shape, dtype=X.dtype)
    return xp.empty(shape, dtype=X.dtype, device=device(X))


def free_energy(X, experts):
    xp = namespace(X)
    out = _empty(X, (X.shape[0],))
    for sl, U, Z in _row_chunks(X, experts):
        U -= experts.intercept_visible
        out[sl] = 0.5 * row_dots(xp, U, U) + experts.potential(Z)
    return out


def hidden_expectations(X, experts):
    out = _empty(X, (X.shape[0], experts.filters.shape[0]))
    for sl, _, Z in _row_chunks(X, experts):
        out[sl, :] = experts.expectations(Z).T
    return out


def grad_free_energy(X, experts):
    xp = namespace(X)
    inv_sigma = xp.exp(-experts.log_visible_std)
    out = xp.empty_like(X)
    for sl, U, Z in _row_chunks(X, experts):
        (P1,) = experts.derivatives(Z, 1)
        ufunc(xp, "multiply", _residual(U, P1, experts), inv_sigma, out=out[sl, :])
    return out


def reconstruct(X, experts):
    """``v - sigma^2 dF/dv = sigma (b - P1 B)``."""
    xp = namespace(X)
    sigma = xp.exp(experts.log_visible_std)
    out = xp.empty_like(X)
    for sl, _, Z in _row_chunks(X, experts):
        (P1,) = experts.derivatives(Z, 1)
        # b - P1^T B itself, not u - (u - b + P1^T B): that difference
        # cancels to 0 for rows far from the data (at X * 1e16, in float64)
        R = experts.intercept_visible - P1.T @ experts.filters
        ufunc(xp, "multiply", R, sigma, out=out[sl, :])
    return out


def _zeros(like, shape):
    """Zeros to sum chunks into: float64 for NumPy, else in ``like``'s dtype."""
    xp = namespace(like)
    if xp is np:
        return np.zeros(shape)
    return xp.zeros(shape, dtype=like.dtype, device=device(like))


def _free_energy_sums(X, experts):
    """Sums over the rows of X of ``F`` and of its parameter gradients."""
    xp = namespace(X)
    c = experts.intercept_hidden
    gB = _zeros(experts.filters, experts.filters.shape)
    gc = _zeros(experts.filters, (c.shape[0],))
    gb = _zeros(experts.filters, (experts.filters.shape[1],))
    total = glog = 0.0
    for _, U, Z in _row_chunks(X, experts):
        (P1,) = experts.derivatives(Z, 1)
        R = U - experts.intercept_visible
        total += 0.5 * total_dot(xp, R, R) + xp.sum(experts.potential(Z))
        gB += P1 @ U
        P1_sum = xp.sum(P1, axis=1)
        gc += P1_sum
        gb -= xp.sum(R, axis=0)
        # u = v / sigma: dF/dlog(sigma) = -(u - b) . u - rho'(z) . (z - c)
        glog -= total_dot(xp, R, U) + total_dot(xp, P1, Z) - P1_sum @ c
    return total, (gB, gc, gb, glog)


def contrastive(X, samples, experts):
    """``mean F(X) - mean F(samples)`` and its gradients ``(gB, gc, gb, glog)``.

    With ``samples`` drawn from the model, the gradient estimates that of the
    mean negative log-likelihood of X (see the mathematics page of the
    documentation, section "Maximum-likelihood baselines").
    """
    data, data_grads = _free_energy_sums(X, experts)
    model, model_grads = _free_energy_sums(samples, experts)
    n, m = X.shape[0], samples.shape[0]
    grads = tuple(
        g_data / n - g_model / m
        for g_data, g_model in zip(data_grads, model_grads, strict=True)
    )
    return float(data / n - model / m), grads


def sm_terms(X, experts):
    """Squared error, variance and curvature terms of ``J`` for each row.

    ``-sum_j rho''(z_j) S_j`` splits into the variance and the curvature of
    the model's energy as each block's unit type says.
    """
    xp = namespace(X)
    B = experts.filters
    S = row_dots(xp, B, B)
    inv_var = xp.exp(-2 * experts.log_visible_std)
    out = _empty(X, (X.shape[0], 3))
    for sl, U, Z in _row_chunks(X, experts):
        P1, P2 = experts.derivatives(Z, 2)
        G = _residual(U, P1, experts)
        out[sl, 0] = 0.5 * row_dots(xp, G, G)
        P2 *= S[:, None]
        curvature = experts.curvature(Z, S)
        out[sl, 1] = -xp.sum(P2, axis=0) - curvature
        out[sl, 2] = curvature
    out[:, 2] -= X.shape[1]
    out *= inv_var
    return out


def sm(X, experts):
    """Mean score matching objective and gradients ``(gB, gc, gb, glog)``."""
    xp = namespace(X)
    S = row_dots(xp, experts.filters, experts.filters)
    n_features = X.shape[1]
    minus_S = -astype(xp, S, X.dtype)[:, None]

    def head(G, derivatives, noise_draw):
        _, P2, P3 = derivatives
        row_loss = 0.5 * row_dots(xp, G, G) - S @ P2 - n_features
        P3 *= minus_S  # d/dz of -rho''(z) S, in place
        return row_loss, G, P3, None, -xp.sum(P2, axis=1)

    return _objective([(X, None)], experts, head, 3, power=-2)


def ae(X, experts):
    """Mean ``1/2 ||v - reconstruct(v)||^2`` and its gradients."""

    xp = namespace(X)

    def head(G, derivatives, noise_draw):
        return 0.5 * row_dots(xp, G, G), G, None, None, None

    return _objective([(X, None)], experts, head, 2, power=2)


def dsm(X, experts, noise_draws, noise_std):
    """Mean ``1/2 ||dF/dv(v + n) - n / noise_std^2||^2`` over rows and draws ``n``."""
    xp = namespace(X)
    target_scale = xp.exp(experts.log_visible_std) / noise_std**2

    def head(G, derivatives, noise_draw):
        tau = noise_draw * target_scale
        G -= tau
        return (
            0.5 * row_dots(xp, G, G),
            G,
            None,
            -total_dot(xp, G, tau),
            None,
        )

    batches = [(X, noise_draws[i, ...]) for i in range(noise_draws.shape[0])]
    return _objective(batches, experts, head, 2, power=-2)


def _objective(batches, experts, head, n_derivatives, power):
    """Chunked loss and gradients of ``sigma^power * mean L_1(u)``.

    ``L_1`` is a per-row loss on the unit-variance model that depends on ``u``
    through ``z``, the residual ``g`` and the squared filter norms ``S``.
    ``head(G, derivatives, noise_draw)`` gets ``g`` (which it may overwrite) and
    ``[rho'(z), ...]`` and returns the per-row ``L_1``, ``dL_1/dg``, any
    further ``dL_1/dz`` (units x rows, or None), any contribution to
    ``d/dlog(sigma)`` beyond the scaling of ``u`` (or None) and the summed
    ``dL_1/dS`` (or None). ``batches`` is a list of ``(X, noise_draw)`` pairs,
    ``noise_draw`` None for clean rows. Chunks of rows are processed in
    parallel threads, one per BLAS thread, each with a single-threaded BLAS,
    so that the elementwise work runs on every core too. Returns the loss and
    the gradients for the filters, hidden biases, visible bias and log visible
    standard deviation.
    """
    B, c = experts.filters, experts.intercept_hidden
    xp = namespace(B)

    def chunk_terms(task):
        X, noise_draw, sl = task
        U, Z = _chunk(X, sl, experts, noise_draw)
        derivatives = experts.derivatives(Z, n_derivatives)
        P1, P2 = derivatives[:2]
        G = _residual(U, P1, experts)
        row_loss, R, dZ, dlog, dS = head(
            G, derivatives, None if noise_draw is None else noise_draw[sl, :]
        )
        # back through g = u - b + rho'(z) B and z = B u + c (units x rows)
        delta = B @ R.T
        delta *= P2
        if dZ is not None:
            delta += dZ
        gB = P1 @ R
        gB += delta @ U
        delta_sum = xp.sum(delta, axis=1)
        # d/dlog(sigma) of sigma^p L_1(x / sigma) = sigma^p (p L_1 - dL_1/du . u),
        # with delta . (z - c) = (delta B) . u
        loss = xp.sum(row_loss)
        glog = power * loss - (
            total_dot(xp, R, U) + total_dot(xp, delta, Z) - delta_sum @ c
        )
        if dlog is not None:
            glog += dlog
        return loss, gB, delta_sum, -xp.sum(R, axis=0), glog, dS

    tasks = [(X, draw, sl) for X, draw in batches for sl in _slices(X, experts)]
    loss, gB, gc, gb, glog, dS = 0.0, _zeros(B, B.shape), 0.0, 0.0, 0.0, 0.0
    chunks = map_chunks(chunk_terms, tasks) if xp is np else map(chunk_terms, tasks)
    for terms in chunks:
        loss += terms[0]
        gB += terms[1]
        gc = gc + terms[2]
        gb = gb + terms[3]
        glog += terms[4]
        if terms[5] is not None:
            dS = dS + terms[5]
    if not isinstance(dS, float):
        gB += 2 * dS[:, None] * B  # S_j = ||B_j||^2
    n_rows = sum(X.shape[0] for X, _ in batches)
    scale = xp.exp(power * experts.log_visible_std) / n_rows
    return float(loss * scale), (gB * scale, gc * scale, gb * scale, glog * scale)
