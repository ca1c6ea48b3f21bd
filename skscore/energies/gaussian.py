"""Gaussian-Gaussian RBM (a linear autoencoder): free energy and objectives.

The model (see the mathematics page of the documentation, section "The
Gaussian RBM: a linear autoencoder") has unit-variance Gaussian visible and hidden
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
    """Filters and biases of the hidden units' inputs: ``z = v @ filters.T + bias``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gaussian
    >>> params = {"components": 0.5 * np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> filters, bias = gaussian.input_filters(params)
    >>> filters.shape, bias.shape
    ((2, 3), (2,))
    """
    return _experts.input_filters(_experts_of(params))


def free_energy(X, params):
    """Free energy ``F(v)`` of each row, shape (n_samples,).

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gaussian
    >>> params = {"components": 0.5 * np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> gaussian.free_energy(X, params).round(4)
    array([0.   , 0.375])
    """
    return _experts.free_energy(X, _experts_of(params))


def hidden_expectations(X, params):
    """Hidden unit means ``E[h | v] = W v + c``, shape (n_samples, K).

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gaussian
    >>> params = {"components": 0.5 * np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> gaussian.hidden_expectations(X, params).round(4)
    array([[0. , 0. ],
           [0.5, 0. ]])
    """
    return _experts.hidden_expectations(X, _experts_of(params))


def grad_free_energy(X, params):
    """Gradient of the free energy with respect to each row, ``dF/dv``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gaussian
    >>> params = {"components": 0.5 * np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> gaussian.grad_free_energy(X, params).round(4)
    array([[0.  , 0.  , 0.  ],
           [0.75, 0.  , 0.  ]])
    """
    return _experts.grad_free_energy(X, _experts_of(params))


def reconstruct(X, params):
    """One unit gradient step on the free energy: ``v - dF/dv``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gaussian
    >>> params = {"components": 0.5 * np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> gaussian.reconstruct(X, params).round(4)
    array([[0.  , 0.  , 0.  ],
           [0.25, 0.  , 0.  ]])
    """
    return _experts.reconstruct(X, _experts_of(params))


def sm_terms(X, params):
    """The three score matching terms of each row, shape (n_samples, 3).

    Squared error ``1/2 ||dF/dv||^2``, variance ``||W||_F^2`` and curvature
    ``-D``; their sum is ``J(v)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gaussian
    >>> params = {"components": 0.5 * np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> gaussian.sm_terms(X, params).round(4)
    array([[ 0.    ,  0.5   , -3.    ],
           [ 0.2812,  0.5   , -3.    ]])
    """

    def split(Z, curvature_by_unit):  # -rho'' S = S is all variance
        return -curvature_by_unit.sum(axis=0), 0.0

    return _experts.sm_terms(X, _experts_of(params), split)


def sm(X, params):
    """Score matching objective ``mean J(v)`` and its gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gaussian
    >>> params = {"components": 0.5 * np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> loss, grads = gaussian.sm(X, params)
    >>> round(loss, 4)
    -2.3594
    >>> sorted(grads)
    ['components', 'intercept_hidden', 'intercept_visible']
    """
    loss, grads = _experts.sm(X, _experts_of(params))
    return loss, _named(grads)


def ae(X, params):
    """Linear autoencoder objective ``mean 1/2 ||v - v_hat||^2`` and its gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gaussian
    >>> params = {"components": 0.5 * np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> loss, grads = gaussian.ae(X, params)
    >>> round(loss, 4), grads["intercept_visible"].shape
    (0.1406, (3,))
    """
    loss, grads = _experts.ae(X, _experts_of(params))
    return loss, _named(grads)


def dsm(X, params, noise, noise_std):
    """Denoising score matching objective and its gradient.

    ``noise`` has shape (n_noise_samples, n_samples, n_features) and holds the
    fixed corruptions ``noise_std * eps``; the loss is the mean over rows and
    draws of ``1/2 ||dF/dv(v + noise) - noise / noise_std^2||^2``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gaussian
    >>> params = {"components": 0.5 * np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> noise = 0.1 * np.random.default_rng(0).normal(size=(1, *X.shape))
    >>> loss, grads = gaussian.dsm(X, params, noise, noise_std=0.1)
    >>> round(loss, 2)
    21.16
    """
    loss, grads = _experts.dsm(X, _experts_of(params), noise, noise_std)
    return loss, _named(grads)


def contrastive(X, samples, params):
    """``mean F(X) - mean F(samples)`` and its gradient.

    With ``samples`` drawn from the model, this gradient is the stochastic
    gradient of the mean negative log-likelihood of X (see the mathematics
    page of the documentation, section "Maximum-likelihood baselines").

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gaussian
    >>> params = {"components": 0.5 * np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3), "log_visible_std": np.array(0.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> loss, grads = gaussian.contrastive(X, X[::-1], params)
    >>> loss
    0.0
    """
    loss, grads = _experts.contrastive(X, samples, _experts_of(params))
    return loss, _named(grads)
