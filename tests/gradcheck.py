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
    """Largest relative error of ``objective``'s closed-form gradient, per entry."""
    _, grads = objective(params)
    numerical = numerical_gradient(lambda p: objective(p)[0], params)
    return {
        name: np.max(np.abs(grads[name] - numerical[name]))
        / max(1.0, np.max(np.abs(numerical[name])))
        for name in params
    }


def hessian_diagonal(f, x, eps=1e-3):
    """Gradient and Hessian diagonal of scalar ``f`` at vector ``x``, by differences."""
    grad = np.empty_like(x)
    diag = np.empty_like(x)
    f0 = f(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = eps
        up, down = f(x + step), f(x - step)
        grad[i] = (up - down) / (2 * eps)
        diag[i] = (up - 2 * f0 + down) / eps**2
    return grad, diag
