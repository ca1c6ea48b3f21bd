"""Mean-covariance product of Student-t (mPoT): free energy and objectives.

The model (see the mathematics page of the documentation, section "The
mean-covariance product of Student-t (mPoT)") has covariance filters ``C`` stored as
``covariance_components`` of shape (K, D), mean filters ``W`` stored as
``components`` of shape (M, D), mean hidden bias ``c`` (``intercept_hidden``),
visible bias ``b`` (``intercept_visible``), visible standard deviation
``sigma`` (``log_visible_std = log(sigma)``, as for the GBRBM) and a fixed
shape ``gamma`` (a 0-d array; it gets no gradient). With ``u = v / sigma``,
``phi = C u`` and ``a = W u + c``,

    F(v) = gamma sum_k log(1 + phi_k^2 / 2) - sum_j softplus(a_j) + 1/2 ||u - b||^2.

At ``sigma = 1`` this is the mPoT of Ranzato and Hinton (2010).

Covariance units are Gamma distributed given ``v`` with mean
``gamma / (1 + phi_k^2 / 2)``; mean units are Bernoulli with mean
``sigm(a_j)``. Each objective returns the mean loss over rows and its gradient
for every trainable entry of ``params``, in closed form.
"""

import numpy as np

from . import _experts

PARAM_SHAPES = {
    "covariance_components": ("n_covariance", "n_features"),
    "components": ("n_mean", "n_features"),
    "intercept_hidden": ("n_mean",),
    "intercept_visible": ("n_features",),
    "log_visible_std": (),
    "gamma": (),
}


def _experts_of(params):
    C, W, gamma = params["covariance_components"], params["components"], params["gamma"]
    K = C.shape[0]

    def derivatives(Z, n):
        # covariance units: rho = gamma log(1 + phi^2/2); with e = 1 / (1 + phi^2/2),
        # rho' = gamma e phi, rho'' = gamma e^2 (1 - phi^2/2) and
        # rho''' = gamma e^3 phi (phi^2/2 - 3); mean units as in the GBRBM.
        # Z is units x rows, so both blocks are contiguous row ranges.
        phi = Z[:K]
        out = [np.empty_like(Z) for _ in range(n)]
        P1c, P1m = out[0][:K], out[0][K:]
        half_sq = phi * phi
        half_sq *= 0.5
        e = half_sq + 1
        np.reciprocal(e, out=e)
        np.multiply(phi, e, out=P1c)
        P1c *= gamma
        _experts.sigmoid(Z[K:], out=P1m, sign=-1.0)
        if n > 1:
            P2c, P2m = out[1][:K], out[1][K:]
            np.subtract(1, half_sq, out=P2c)
            P2c *= e
            P2c *= e
            P2c *= gamma
            np.add(P1m, 1, out=P2m)
            P2m *= P1m
        if n > 2:
            P3c, P3m = out[2][:K], out[2][K:]
            np.subtract(half_sq, 3, out=P3c)
            P3c *= P1c
            P3c *= e
            P3c *= e
            np.multiply(P1m, 2, out=P3m)
            P3m += 1
            P3m *= P2m
        return out

    def potential(Z):
        phi, a = Z[:K], Z[K:]
        return gamma * np.log1p(0.5 * phi * phi).sum(axis=0) - np.logaddexp(0, a).sum(
            axis=0
        )

    def expectations(Z):
        phi, a = Z[:K], Z[K:]
        return np.vstack([gamma / (1 + 0.5 * phi * phi), _experts.sigmoid(a)])

    # covariance units have no bias
    bias = np.concatenate([np.zeros(K, dtype=C.dtype), params["intercept_hidden"]])
    return _experts.Experts(
        filters=np.concatenate([C, W]),
        intercept_hidden=bias,
        intercept_visible=params["intercept_visible"],
        log_visible_std=params["log_visible_std"],
        derivatives=derivatives,
        potential=potential,
        expectations=expectations,
    )


def _named(grads, params):
    gB, gc, gb, glog = grads
    K = params["covariance_components"].shape[0]
    return {
        "covariance_components": gB[:K],
        "components": gB[K:],
        "intercept_hidden": gc[K:],
        "intercept_visible": gb,
        "log_visible_std": np.asarray(glog),
    }


def input_filters(params):
    """Filters and biases of the hidden units' inputs: ``z = v @ filters.T + bias``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import mpot
    >>> params = {"covariance_components": np.eye(1, 3), "components": np.eye(2, 3),
    ...           "intercept_hidden": np.zeros(2), "intercept_visible": np.zeros(3),
    ...           "log_visible_std": np.array(0.0), "gamma": np.array(1.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> filters, bias = mpot.input_filters(params)
    >>> filters.shape, bias.shape
    ((3, 3), (3,))
    """
    return _experts.input_filters(_experts_of(params))


def free_energy(X, params):
    """Free energy ``F(v)`` of each row, shape (n_samples,).

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import mpot
    >>> params = {"covariance_components": np.eye(1, 3), "components": np.eye(2, 3),
    ...           "intercept_hidden": np.zeros(2), "intercept_visible": np.zeros(3),
    ...           "log_visible_std": np.array(0.0), "gamma": np.array(1.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> mpot.free_energy(X, params).round(4)
    array([-1.3863, -1.1009])
    """
    return _experts.free_energy(X, _experts_of(params))


def hidden_expectations(X, params):
    """Hidden unit expectations ``[E[h^c | v], E[h^m | v]]``, shape (n, K + M).

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import mpot
    >>> params = {"covariance_components": np.eye(1, 3), "components": np.eye(2, 3),
    ...           "intercept_hidden": np.zeros(2), "intercept_visible": np.zeros(3),
    ...           "log_visible_std": np.array(0.0), "gamma": np.array(1.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> mpot.hidden_expectations(X, params).round(4)
    array([[1.    , 0.5   , 0.5   ],
           [0.6667, 0.7311, 0.5   ]])
    """
    return _experts.hidden_expectations(X, _experts_of(params))


def grad_free_energy(X, params):
    """Gradient of the free energy with respect to each row, ``dF/dv``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import mpot
    >>> params = {"covariance_components": np.eye(1, 3), "components": np.eye(2, 3),
    ...           "intercept_hidden": np.zeros(2), "intercept_visible": np.zeros(3),
    ...           "log_visible_std": np.array(0.0), "gamma": np.array(1.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> mpot.grad_free_energy(X, params).round(4)
    array([[-0.5   , -0.5   ,  0.    ],
           [ 0.9356, -0.5   ,  0.    ]])
    """
    return _experts.grad_free_energy(X, _experts_of(params))


def reconstruct(X, params):
    """``v - sigma^2 dF/dv``: one unit gradient step on F when ``sigma = 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import mpot
    >>> params = {"covariance_components": np.eye(1, 3), "components": np.eye(2, 3),
    ...           "intercept_hidden": np.zeros(2), "intercept_visible": np.zeros(3),
    ...           "log_visible_std": np.array(0.0), "gamma": np.array(1.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> mpot.reconstruct(X, params).round(4)
    array([[0.5   , 0.5   , 0.    ],
           [0.0644, 0.5   , 0.    ]])
    """
    return _experts.reconstruct(X, _experts_of(params))


def sm_terms(X, params):
    """The three score matching terms of each row, shape (n_samples, 3).

    Squared error ``1/2 ||dF/dv||^2``; variance
    ``sum_k (h^c_k phi_k)^2 ||C_k||^2 / gamma + sum_j h^m_j (1 - h^m_j) ||W_j||^2``;
    curvature ``-sum_k h^c_k ||C_k||^2 - D``; the last two divided by
    ``sigma^2``. Their sum is ``J(v)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import mpot
    >>> params = {"covariance_components": np.eye(1, 3), "components": np.eye(2, 3),
    ...           "intercept_hidden": np.zeros(2), "intercept_visible": np.zeros(3),
    ...           "log_visible_std": np.array(0.0), "gamma": np.array(1.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> mpot.sm_terms(X, params).round(4)
    array([[ 0.25  ,  0.5   , -4.    ],
           [ 0.5627,  0.8911, -3.6667]])
    """
    C, gamma = params["covariance_components"], params["gamma"]
    K = C.shape[0]
    norms = np.einsum("kd,kd->k", C, C)

    def split(Z, curvature_by_unit):
        phi = Z[:K]
        curvature = -norms @ (gamma / (1 + 0.5 * phi * phi))
        return -curvature_by_unit.sum(axis=0) - curvature, curvature

    return _experts.sm_terms(X, _experts_of(params), split)


def sm(X, params):
    """Score matching objective ``mean J(v)`` and its gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import mpot
    >>> params = {"covariance_components": np.eye(1, 3), "components": np.eye(2, 3),
    ...           "intercept_hidden": np.zeros(2), "intercept_visible": np.zeros(3),
    ...           "log_visible_std": np.array(0.0), "gamma": np.array(1.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> loss, grads = mpot.sm(X, params)
    >>> round(loss, 4)
    -2.7315
    >>> len(grads)
    5
    """
    loss, grads = _experts.sm(X, _experts_of(params))
    return loss, _named(grads, params)


def ae(X, params):
    """Autoencoder objective ``mean 1/2 ||v - reconstruct(v)||^2`` and its gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import mpot
    >>> params = {"covariance_components": np.eye(1, 3), "components": np.eye(2, 3),
    ...           "intercept_hidden": np.zeros(2), "intercept_visible": np.zeros(3),
    ...           "log_visible_std": np.array(0.0), "gamma": np.array(1.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> loss, grads = mpot.ae(X, params)
    >>> round(loss, 4), grads["intercept_visible"].shape
    (0.4063, (3,))
    """
    loss, grads = _experts.ae(X, _experts_of(params))
    return loss, _named(grads, params)


def dsm(X, params, noise, noise_std):
    """Denoising score matching objective and its gradient.

    ``noise`` has shape (n_noise_samples, n_samples, n_features) and holds the
    fixed corruptions ``noise_std * eps``; the loss is the mean over rows and
    draws of ``1/2 ||dF/dv(v + noise) - noise / noise_std^2||^2``.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.energies import mpot
    >>> params = {"covariance_components": np.eye(1, 3), "components": np.eye(2, 3),
    ...           "intercept_hidden": np.zeros(2), "intercept_visible": np.zeros(3),
    ...           "log_visible_std": np.array(0.0), "gamma": np.array(1.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> noise = 0.1 * np.random.default_rng(0).normal(size=(1, *X.shape))
    >>> loss, grads = mpot.dsm(X, params, noise, noise_std=0.1)
    >>> round(loss, 2)
    19.97
    """
    loss, grads = _experts.dsm(X, _experts_of(params), noise, noise_std)
    return loss, _named(grads, params)


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
    >>> from skscore.energies import mpot
    >>> params = {"covariance_components": np.eye(1, 3), "components": np.eye(2, 3),
    ...           "intercept_hidden": np.zeros(2), "intercept_visible": np.zeros(3),
    ...           "log_visible_std": np.array(0.0), "gamma": np.array(1.0)}
    >>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    >>> loss, grads = mpot.contrastive(X, X[::-1], params)
    >>> loss
    0.0
    >>> float(np.abs(grads["components"]).max())
    0.0
    """
    loss, grads = _experts.contrastive(X, samples, _experts_of(params))
    return loss, _named(grads, params)
