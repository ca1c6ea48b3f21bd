"""Finite-difference checks shared by the energy tests."""

import numpy as np


def numerical_gradient(loss, params, eps=1e-6):
    """Central differences of ``loss(params)`` for every entry of ``params``."""
    grads = {}
    for name, value in params.items():
        grad = np.zeros(np.shape(value))
        for index in np.ndindex(np.shape(value)):
            shifted = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
            shifted[name][index] += eps
            up = loss(shifted)
            shifted[name][index] -= 2 * eps
            grad[index] = (up - loss(shifted)) / (2 * eps)
        grads[name] = grad
    return grads


def gradient_errors(objective, params):
    """Largest relative error of ``objective``'s closed-form gradient, per entry.

    Entries of ``params`` without a gradient (fixed hyperparameters) are skipped.
    """
    _, grads = objective(params)
    trainable = {name: params[name] for name in grads}

    def loss(p):
        return objective({**params, **p})[0]

    numerical = numerical_gradient(loss, trainable)
    return {
        name: np.max(np.abs(grads[name] - numerical[name]))
        / max(1.0, np.max(np.abs(numerical[name])))
        for name in grads
    }


def hessian_diagonal(f, x, eps=1e-2):
    """Gradient and Hessian diagonal of scalar ``f`` at vector ``x``, by differences.

    Central differences at steps ``eps`` and ``eps / 2`` combined by Richardson
    extrapolation, so the truncation error is of order ``eps**4``.
    """
    grad = np.empty_like(x)
    diag = np.empty_like(x)
    f0 = f(x)
    for i in range(x.size):
        estimates = []
        for h in (eps, eps / 2):
            step = np.zeros_like(x)
            step[i] = h
            up, down = f(x + step), f(x - step)
            estimates.append(((up - down) / (2 * h), (up - 2 * f0 + down) / h**2))
        (g1, d1), (g2, d2) = estimates
        grad[i] = (4 * g2 - g1) / 3
        diag[i] = (4 * d2 - d1) / 3
    return grad, diag
