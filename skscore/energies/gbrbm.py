"""Gaussian-Bernoulli RBM: free energy and score matching objectives.

The model (see the mathematics page of the documentation, sections "The
Gaussian-Bernoulli RBM" and "The visible standard deviation") has visible
standard deviation
``sigma``, weights ``W`` stored as ``components`` of shape (K, D), hidden bias
``c`` (``intercept_hidden``), visible bias ``b`` (``intercept_visible``) and
``log_visible_std = log(sigma)``. With ``u = v / sigma`` its free energy is

    F(v) = 1/2 ||u - b||^2 - sum_j softplus(c_j + W_j . u).

The score matching objective is ``J_1(u) / sigma^2`` for the unit-variance
objective ``J_1`` and the reconstruction error is
``sigma^2 * 1/2 ||u - b - W^T h||^2``. Each objective returns the mean loss
over rows and its gradient for every entry of ``params`` (for
``log_visible_std``, with respect to ``log(sigma)``), in closed form.
"""

import numpy as np

from . import _experts

PARAM_SHAPES = {
    "components": ("n_components", "n_features"),
    "intercept_hidden": ("n_components",),
    "intercept_visible": ("n_features",),
    "log_visible_std": (),
}


def _derivatives(Z, n):
    """Derivatives of ``rho(z) = -softplus(z)``, with ``h = sigm(z)``.

    They are ``-h``, ``-h(1-h)`` and ``-h(1-h)(1-2h)``, computed in place.
    """
    P1 = _experts.sigmoid(Z, sign=-1.0)
    out = [P1]
    if n > 1:
        P2 = P1 + 1  # 1 - h
        P2 *= P1
        out.append(P2)
    if n > 2:
        P3 = P1 * 2
        P3 += 1  # 1 - 2h
        P3 *= P2
        out.append(P3)
    return out


def _experts_of(params):
    return _experts.Experts(
        filters=params["components"],
        intercept_hidden=params["intercept_hidden"],
        intercept_visible=params["intercept_visible"],
        log_visible_std=params["log_visible_std"],
        derivatives=_derivatives,
        potential=lambda Z: -np.logaddexp(0, Z).sum(axis=0),
        expectations=_experts.sigmoid,
    )


def _named(grads):
    gB, gc, gb, glog = grads
    return {
        "components": gB,
        "intercept_hidden": gc,
        "intercept_visible": gb,
        "log_visible_std": np.asarray(glog),
    }


def input_filters(params):
    """Filters and biases of the hidden units' inputs: ``z = v @ filters.T + bias``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gbrbm
    >>> params = {"components": np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3), "log_visible_std": np.array(0.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> filters, bias = gbrbm.input_filters(params)
    >>> filters.shape, bias.shape
    ((2, 3), (2,))
    """
    return _experts.input_filters(_experts_of(params))


def free_energy(X, params):
    """Free energy ``F(v)`` of each row, shape (n_samples,).

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gbrbm
    >>> params = {"components": np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3), "log_visible_std": np.array(0.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> gbrbm.free_energy(X, params).round(4)
    array([-1.3863, -1.5064])
    """
    return _experts.free_energy(X, _experts_of(params))


def hidden_expectations(X, params):
    """Hidden unit activation probabilities ``E[h | v]``, shape (n_samples, K).

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gbrbm
    >>> params = {"components": np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3), "log_visible_std": np.array(0.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> gbrbm.hidden_expectations(X, params).round(4)
    array([[0.5   , 0.5   ],
           [0.7311, 0.5   ]])
    """
    return _experts.hidden_expectations(X, _experts_of(params))


def grad_free_energy(X, params):
    """Gradient of the free energy with respect to each row, ``dF/dv``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gbrbm
    >>> params = {"components": np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3), "log_visible_std": np.array(0.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> gbrbm.grad_free_energy(X, params).round(4)
    array([[-0.5   , -0.5   ,  0.    ],
           [ 0.2689, -0.5   ,  0.    ]])
    """
    return _experts.grad_free_energy(X, _experts_of(params))


def reconstruct(X, params):
    """Conditional mean of the visibles given ``E[h|v]``: ``v - sigma^2 dF/dv``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gbrbm
    >>> params = {"components": np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3), "log_visible_std": np.array(0.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> gbrbm.reconstruct(X, params).round(4)
    array([[0.5   , 0.5   , 0.    ],
           [0.7311, 0.5   , 0.    ]])
    """
    return _experts.reconstruct(X, _experts_of(params))


def sm_terms(X, params):
    """The three score matching terms of each row, shape (n_samples, 3).

    Columns are the squared error ``1/2 ||dF/dv||^2``, the variance term
    ``sum_j s_j h_j (1 - h_j) / sigma^2`` with ``s_j = ||W_j||^2`` and the
    curvature term ``-D / sigma^2``. Their sum is the score matching objective
    ``J(v)`` of each row, constants included.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gbrbm
    >>> params = {"components": np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3), "log_visible_std": np.array(0.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> gbrbm.sm_terms(X, params).round(4)
    array([[ 0.25  ,  0.5   , -3.    ],
           [ 0.1612,  0.4466, -3.    ]])
    """

    def split(Z, curvature_by_unit):  # -rho'' S = h(1-h) S is all variance
        return -curvature_by_unit.sum(axis=0), 0.0

    return _experts.sm_terms(X, _experts_of(params), split)


def sm(X, params):
    """Score matching objective ``mean J(v)`` and its gradient.

    Returns
    -------
    loss : float
        Mean over rows of the score matching objective, constants included.

    grads : dict of ndarray
        Gradient of ``loss`` for each entry of ``params``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gbrbm
    >>> params = {"components": np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3), "log_visible_std": np.array(0.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> loss, grads = gbrbm.sm(X, params)
    >>> round(loss, 4)
    -2.3211
    >>> len(grads)
    4
    """
    loss, grads = _experts.sm(X, _experts_of(params))
    return loss, _named(grads)


def ae(X, params):
    """Autoencoder objective ``mean 1/2 ||v - v_hat||^2`` and its gradient.

    ``v_hat = reconstruct(v)``: the score matching objective without its
    variance and curvature regularizers (see the mathematics page of the
    documentation, section "The plain autoencoder"), in the units of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gbrbm
    >>> params = {"components": np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3), "log_visible_std": np.array(0.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> loss, grads = gbrbm.ae(X, params)
    >>> round(loss, 4), grads["intercept_visible"].shape
    (0.2056, (3,))
    """
    loss, grads = _experts.ae(X, _experts_of(params))
    return loss, _named(grads)


def dsm(X, params, noise, noise_std):
    """Denoising score matching objective and its gradient.

    See the mathematics page of the documentation, section "Denoising score
    matching".

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

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gbrbm
    >>> params = {"components": np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3), "log_visible_std": np.array(0.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> noise = 0.1 * np.random.default_rng(0).normal(size=(1, *X.shape))
    >>> loss, grads = gbrbm.dsm(X, params, noise, noise_std=0.1)
    >>> round(loss, 2)
    20.13
    """
    loss, grads = _experts.dsm(X, _experts_of(params), noise, noise_std)
    return loss, _named(grads)


def contrastive(X, samples, params):
    """``mean F(X) - mean F(samples)`` and its gradient.

    With ``samples`` drawn from the model, this gradient is the stochastic
    gradient of the mean negative log-likelihood of X that contrastive
    divergence and its persistent variants follow (see the mathematics page
    of the documentation, section "Maximum-likelihood baselines"): the
    normalizer's gradient is the mean of ``dF/dparams`` under the model.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import gbrbm
    >>> params = {"components": np.eye(2, 3), "intercept_hidden": np.zeros(2),
    ...           "intercept_visible": np.zeros(3), "log_visible_std": np.array(0.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> loss, grads = gbrbm.contrastive(X, X[::-1], params)
    >>> loss
    0.0
    >>> float(np.abs(grads["components"]).max())
    0.0
    """
    loss, grads = _experts.contrastive(X, samples, _experts_of(params))
    return loss, _named(grads)
