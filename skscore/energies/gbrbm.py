"""Gaussian-Bernoulli RBM: free energy and score matching objectives.

The model (MATH.md section 2) has visible standard deviation ``sigma``,
weights ``W`` stored as ``components`` of shape (K, D), hidden bias ``c``
(``intercept_hidden``), visible bias ``b`` (``intercept_visible``) and
``log_visible_std = log(sigma)``. With ``u = v / sigma`` its free energy is

    F(v) = 1/2 ||u - b||^2 - sum_j softplus(c_j + W_j . u).

Every quantity is computed on the unit model in ``u`` and rescaled: the
score matching objective is ``J_1(u) / sigma^2`` and the reconstruction error
is ``sigma^2 * 1/2 ||u - b - W^T h||^2``. Each objective returns the mean loss
over rows and its gradient with respect to every entry of ``params`` (the
gradient for ``log_visible_std`` is with respect to ``log(sigma)``), in closed
form, processing rows in chunks bounded by scikit-learn's ``working_memory``.
"""

import numpy as np
from scipy.special import expit

from ._chunks import chunk_slices

PARAM_SHAPES = {
    "components": ("n_components", "n_features"),
    "intercept_hidden": ("n_components",),
    "intercept_visible": ("n_features",),
    "log_visible_std": (),
}


def _scaled_rows(X, params, noise=None):
    """Yield ``(slice, u, a)`` per chunk: scaled inputs and hidden pre-activations.

    ``u = (X + noise) / sigma`` when ``noise`` is given, else ``X / sigma``.
    """
    W, c = params["components"], params["intercept_hidden"]
    inv_sigma = np.exp(-params["log_visible_std"])
    for sl in chunk_slices(X.shape[0], 4 * X.shape[1] + 6 * W.shape[0], X.dtype):
        if noise is None:
            U = X[sl] * inv_sigma
        else:
            U = X[sl] + noise[sl]
            U *= inv_sigma
        A = U @ W.T
        A += c
        yield sl, U, A


def free_energy(X, params):
    """Free energy ``F(v)`` of each row, shape (n_samples,)."""
    b = params["intercept_visible"]
    out = np.empty(X.shape[0], dtype=X.dtype)
    for sl, U, A in _scaled_rows(X, params):
        U -= b
        out[sl] = 0.5 * np.einsum("ij,ij->i", U, U) - np.logaddexp(0, A).sum(axis=1)
    return out


def hidden_expectations(X, params):
    """Hidden unit activation probabilities ``E[h | v]``, shape (n_samples, K)."""
    out = np.empty((X.shape[0], params["components"].shape[0]), dtype=X.dtype)
    for sl, _, A in _scaled_rows(X, params):
        expit(A, out=out[sl])
    return out


def _reconstruct_unit(X, params):
    """Yield ``(slice, u, u_hat)``: scaled inputs and their reconstruction."""
    W, b = params["components"], params["intercept_visible"]
    for sl, U, A in _scaled_rows(X, params):
        U_hat = expit(A, out=A) @ W
        U_hat += b
        yield sl, U, U_hat


def grad_free_energy(X, params):
    """Gradient of the free energy with respect to each row, ``dF/dv``."""
    inv_sigma = np.exp(-params["log_visible_std"])
    out = np.empty_like(X)
    for sl, U, U_hat in _reconstruct_unit(X, params):
        np.subtract(U, U_hat, out=out[sl])
        out[sl] *= inv_sigma
    return out


def reconstruct(X, params):
    """Conditional mean of the visibles given ``E[h|v]``: ``v - sigma^2 dF/dv``."""
    sigma = np.exp(params["log_visible_std"])
    out = np.empty_like(X)
    for sl, _, U_hat in _reconstruct_unit(X, params):
        np.multiply(U_hat, sigma, out=out[sl])
    return out


def sm_terms(X, params):
    """The three score matching terms of each row, shape (n_samples, 3).

    Columns are the squared error ``1/2 ||dF/dv||^2``, the variance term
    ``sum_j s_j h_j (1 - h_j) / sigma^2`` with ``s_j = ||W_j||^2`` and the
    curvature term ``-D / sigma^2``. Their sum is the score matching objective
    ``J(v)`` of each row, constants included.
    """
    W, b = params["components"], params["intercept_visible"]
    inv_var = np.exp(-2 * params["log_visible_std"])
    s = np.einsum("kd,kd->k", W, W)
    out = np.empty((X.shape[0], 3), dtype=X.dtype)
    for sl, U, A in _scaled_rows(X, params):
        H = expit(A, out=A)
        R = U - b
        R -= H @ W
        out[sl, 0] = 0.5 * np.einsum("ij,ij->i", R, R)
        out[sl, 1] = (H * (1 - H)) @ s
    out[:, :2] *= inv_var
    out[:, 2] = -X.shape[1] * inv_var
    return out


def sm(X, params):
    """Score matching objective ``mean J(v)`` (MATH.md section 2) and its gradient.

    Returns
    -------
    loss : float
        Mean over rows of the score matching objective, constants included.

    grads : dict of ndarray
        Gradient of ``loss`` for each entry of ``params``.
    """
    W = params["components"]
    s = np.einsum("kd,kd->k", W, W)
    sum_q = np.zeros(W.shape[0])
    n_features = X.shape[1]

    def head(U, A, H, Q, G):
        nonlocal sum_q
        row_loss = 0.5 * np.einsum("ij,ij->i", G, G) + Q @ s - n_features
        sum_q += Q.sum(axis=0)
        return row_loss, G, Q * (1 - 2 * H) * s, None

    loss, grads = _objective(((X, None),), params, head, power=-2)
    inv_var = np.exp(-2 * params["log_visible_std"])
    grads["components"] += 2 * inv_var / X.shape[0] * sum_q[:, None] * W
    return loss, grads


def ae(X, params):
    """Autoencoder objective ``mean 1/2 ||v - v_hat||^2`` and its gradient.

    ``v_hat = reconstruct(v)``; this is the score matching objective without its
    variance and curvature regularizers (MATH.md section 6), scaled by
    ``sigma^4`` so that it is the reconstruction error in the units of ``X``.
    """

    def head(U, A, H, Q, G):
        return 0.5 * np.einsum("ij,ij->i", G, G), G, None, None

    return _objective(((X, None),), params, head, power=2)


def dsm(X, params, noise, noise_std):
    """Denoising score matching objective (MATH.md section 5) and its gradient.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Clean data.

    params : dict of ndarray
        Model parameters.

    noise : ndarray of shape (n_noise_samples, n_samples, n_features)
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
        Gradient of ``loss`` for each entry of ``params``.
    """
    target_scale = np.exp(params["log_visible_std"]) / noise_std**2

    def head(U, A, H, Q, G, E):
        tau = E * target_scale
        G -= tau
        return 0.5 * np.einsum("ij,ij->i", G, G), G, None, -np.einsum("ij,ij->", G, tau)

    return _objective(((X, E) for E in noise), params, head, power=-2)


def _objective(batches, params, head, power):
    """Chunked loss and gradient of ``sigma^power * mean L_1(u)``.

    ``L_1`` is a per-row loss on the unit model that depends on ``u`` through
    ``A = u W^T + c``, ``H = sigm(A)`` and the residual ``G = u - b - H W``.
    ``head(U, A, H, Q, G[, E])`` returns the per-row ``L_1``, ``dL_1/dG``, an
    additional ``dL_1/dA`` (or None), and a contribution to the derivative with
    respect to ``log(sigma)`` beyond the scaling of ``u`` (or None). The
    backward pass through ``G`` and ``A`` is shared by every objective.
    """
    W, c, b = (
        params["components"],
        params["intercept_hidden"],
        params["intercept_visible"],
    )
    grads = {name: np.zeros(np.shape(value)) for name, value in params.items()}
    loss = 0.0
    n_rows = 0
    for X, noise in batches:
        n_rows += X.shape[0]
        for sl, U, A in _scaled_rows(X, params, noise):
            H = expit(A)
            Q = H * (1 - H)
            G = U - b
            G -= H @ W
            extra = () if noise is None else (noise[sl],)
            row_loss, R, dA, dlog = head(U, A, H, Q, G, *extra)
            # dL/dA = -(R W^T) * Q (+ dA): back through h = sigm(A) in G = u - b - W^T h
            delta = R @ W.T
            delta *= -Q
            if dA is not None:
                delta += dA
            grads["components"] += delta.T @ U - H.T @ R
            grads["intercept_visible"] -= R.sum(axis=0)
            grads["intercept_hidden"] += delta.sum(axis=0)
            A -= c  # A is now u W^T, the inputs' projection
            # d/dlog(sigma) of sigma^p L_1(x / sigma) = sigma^p (p L_1 - dL_1/du . u)
            grads["log_visible_std"] += power * row_loss.sum() - (
                np.einsum("ij,ij->", R, U) + np.einsum("ij,ij->", delta, A)
            )
            if dlog is not None:
                grads["log_visible_std"] += dlog
            loss += row_loss.sum()
    scale = np.exp(power * params["log_visible_std"]) / n_rows
    return float(loss * scale), {name: g * scale for name, g in grads.items()}
