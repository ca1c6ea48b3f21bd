"""Gaussian-Gaussian RBM (a linear autoencoder): free energy and objectives.

The model (MATH.md section 3) has unit-variance Gaussian visible and hidden
units, weights ``W`` stored as ``components`` of shape (K, D), hidden bias
``c`` (``intercept_hidden``) and visible bias ``b`` (``intercept_visible``):

    E(v, h) = 1/2 ||v - b||^2 + 1/2 ||h||^2 - v^T W^T h - c^T h
    F(v)    = 1/2 ||v - b||^2 - 1/2 ||W v + c||^2
    dF/dv   = v - b - W^T (W v + c)

Its score matching objective is a linear autoencoder with weight decay,
``J(v) = 1/2 ||dF/dv||^2 + ||W||_F^2 - D``, whose optimum spans the top
principal subspace of the data: the closed-form sanity case of the library.
Objectives return the mean loss over rows and its gradient for every entry of
``params``, processing rows in chunks bounded by ``working_memory``.
"""

import numpy as np

from ._chunks import chunk_slices

PARAM_SHAPES = {
    "components": ("n_components", "n_features"),
    "intercept_hidden": ("n_components",),
    "intercept_visible": ("n_features",),
}


def _rows(X, params, noise=None):
    """Yield ``(slice, v, h, g)`` per chunk: inputs, ``E[h|v]`` and ``dF/dv``."""
    W, c, b = (
        params["components"],
        params["intercept_hidden"],
        params["intercept_visible"],
    )
    for sl in chunk_slices(X.shape[0], 4 * X.shape[1] + 3 * W.shape[0], X.dtype):
        V = X[sl] if noise is None else X[sl] + noise[sl]
        H = V @ W.T
        H += c
        G = V - b
        G -= H @ W
        yield sl, V, H, G


def free_energy(X, params):
    """Free energy ``F(v)`` of each row, shape (n_samples,)."""
    b = params["intercept_visible"]
    out = np.empty(X.shape[0], dtype=X.dtype)
    for sl, V, H, _ in _rows(X, params):
        V = V - b
        out[sl] = 0.5 * (np.einsum("ij,ij->i", V, V) - np.einsum("ij,ij->i", H, H))
    return out


def hidden_expectations(X, params):
    """Hidden unit means ``E[h | v] = W v + c``, shape (n_samples, K)."""
    out = np.empty((X.shape[0], params["components"].shape[0]), dtype=X.dtype)
    for sl, _, H, _ in _rows(X, params):
        out[sl] = H
    return out


def grad_free_energy(X, params):
    """Gradient of the free energy with respect to each row, ``dF/dv``."""
    out = np.empty_like(X)
    for sl, _, _, G in _rows(X, params):
        out[sl] = G
    return out


def reconstruct(X, params):
    """One unit gradient step on the free energy: ``v - dF/dv``."""
    return X - grad_free_energy(X, params)


def sm_terms(X, params):
    """The three score matching terms of each row, shape (n_samples, 3).

    Squared error ``1/2 ||dF/dv||^2``, variance ``||W||_F^2`` and curvature
    ``-D``; their sum is ``J(v)``.
    """
    W = params["components"]
    out = np.empty((X.shape[0], 3), dtype=X.dtype)
    for sl, _, _, G in _rows(X, params):
        out[sl, 0] = 0.5 * np.einsum("ij,ij->i", G, G)
    out[:, 1] = np.einsum("kd,kd->", W, W)
    out[:, 2] = -X.shape[1]
    return out


def sm(X, params):
    """Score matching objective ``mean J(v)`` and its gradient."""
    loss, grads = _objective(((X, None),), params, lambda G, E: G)
    W = params["components"]
    loss += np.einsum("kd,kd->", W, W) - X.shape[1]
    grads["components"] += 2 * W
    return float(loss), grads


def ae(X, params):
    """Linear autoencoder objective ``mean 1/2 ||v - v_hat||^2`` and its gradient."""
    return _objective(((X, None),), params, lambda G, E: G)


def dsm(X, params, noise, noise_std):
    """Denoising score matching objective and its gradient.

    ``noise`` has shape (n_noise_samples, n_samples, n_features) and holds the
    fixed corruptions ``noise_std * eps``; the loss is the mean over rows and
    draws of ``1/2 ||dF/dv(v + noise) - noise / noise_std^2||^2``.
    """
    return _objective(
        ((X, E) for E in noise), params, lambda G, E: G - E / noise_std**2
    )


def _objective(batches, params, residual):
    """Mean of ``1/2 ||residual(G, noise)||^2`` over rows, with its gradient."""
    W = params["components"]
    grads = {name: np.zeros(np.shape(value)) for name, value in params.items()}
    loss = 0.0
    n_rows = 0
    for X, noise in batches:
        n_rows += X.shape[0]
        for sl, V, H, G in _rows(X, params, noise):
            R = residual(G, None if noise is None else noise[sl])
            delta = -(R @ W.T)  # dL/dH
            grads["components"] += delta.T @ V - H.T @ R
            grads["intercept_visible"] -= R.sum(axis=0)
            grads["intercept_hidden"] += delta.sum(axis=0)
            loss += 0.5 * np.einsum("ij,ij->", R, R)
    return loss / n_rows, {name: g / n_rows for name, g in grads.items()}
