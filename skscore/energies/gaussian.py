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
``params``.
"""

import numpy as np

from . import _experts

PARAM_SHAPES = {
    "components": ("n_components", "n_features"),
    "intercept_hidden": ("n_components",),
    "intercept_visible": ("n_features",),
}


def _derivatives(Z, n):
    """Derivatives of ``rho(z) = -z^2 / 2``: ``-z``, ``-1``, ``0``."""
    return [-Z, np.full_like(Z, -1.0), np.zeros_like(Z)][:n]


def _experts_of(params):
    W = params["components"]
    return _experts.Experts(
        filters=W,
        intercept_hidden=params["intercept_hidden"],
        intercept_visible=params["intercept_visible"],
        log_visible_std=np.zeros((), dtype=W.dtype),
        derivatives=_derivatives,
        potential=lambda Z: -0.5 * np.einsum("ij,ij->j", Z, Z),
        expectations=np.copy,
    )


def _named(grads):
    gB, gc, gb, _ = grads
    return {"components": gB, "intercept_hidden": gc, "intercept_visible": gb}


def input_filters(params):
    """Filters and biases of the hidden units' inputs: ``z = v @ filters.T + bias``."""
    return _experts.input_filters(_experts_of(params))


def free_energy(X, params):
    """Free energy ``F(v)`` of each row, shape (n_samples,)."""
    return _experts.free_energy(X, _experts_of(params))


def hidden_expectations(X, params):
    """Hidden unit means ``E[h | v] = W v + c``, shape (n_samples, K)."""
    return _experts.hidden_expectations(X, _experts_of(params))


def grad_free_energy(X, params):
    """Gradient of the free energy with respect to each row, ``dF/dv``."""
    return _experts.grad_free_energy(X, _experts_of(params))


def reconstruct(X, params):
    """One unit gradient step on the free energy: ``v - dF/dv``."""
    return _experts.reconstruct(X, _experts_of(params))


def sm_terms(X, params):
    """The three score matching terms of each row, shape (n_samples, 3).

    Squared error ``1/2 ||dF/dv||^2``, variance ``||W||_F^2`` and curvature
    ``-D``; their sum is ``J(v)``.
    """

    def split(Z, curvature_by_unit):  # -rho'' S = S is all variance
        return -curvature_by_unit.sum(axis=0), 0.0

    return _experts.sm_terms(X, _experts_of(params), split)


def sm(X, params):
    """Score matching objective ``mean J(v)`` and its gradient."""
    loss, grads = _experts.sm(X, _experts_of(params))
    return loss, _named(grads)


def ae(X, params):
    """Linear autoencoder objective ``mean 1/2 ||v - v_hat||^2`` and its gradient."""
    loss, grads = _experts.ae(X, _experts_of(params))
    return loss, _named(grads)


def dsm(X, params, noise, noise_std):
    """Denoising score matching objective and its gradient.

    ``noise`` has shape (n_noise_samples, n_samples, n_features) and holds the
    fixed corruptions ``noise_std * eps``; the loss is the mean over rows and
    draws of ``1/2 ||dF/dv(v + noise) - noise / noise_std^2||^2``.
    """
    loss, grads = _experts.dsm(X, _experts_of(params), noise, noise_std)
    return loss, _named(grads)
