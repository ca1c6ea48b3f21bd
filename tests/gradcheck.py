"""Finite-difference checks shared by the energy tests, with their error bounds.

A difference quotient errs by truncation (the Taylor terms it drops) and by
rounding (``f`` is known to about ``eps * |f|``, and the quotient divides that
by the step). Neither is guessed here: the truncation error is estimated from
the same quotient at a second step (the quotients' difference shrinks as the
step's known power), and the rounding error from ``eps``, the values of ``f``
and the step. A check passes when the closed form lies within
``FACTOR`` times that estimate of the differences.
"""

import numpy as np
from tolerances import FACTOR

EPS = np.finfo(np.float64).eps


def numerical_gradient(loss, params, h=1e-6, scale=None):
    """Central differences of ``loss(params)`` for every entry of ``params``,
    and a bound on their error.

    Returns ``(grads, errors)``, dicts of arrays shaped as ``params``. The
    central difference at step ``h`` errs by about ``(g(2h) - g(h)) / 3``
    (its truncation error grows as ``h**2``), plus the rounding of the two
    values it subtracts, ``2 eps scale / h``, whose share of ``g(2h) - g(h)``
    may cancel by chance and is therefore added. ``scale`` is the size of the
    terms the loss adds up (by default the largest ``|loss|`` seen), as a loss
    that is a difference of larger terms is rounded to those terms' size.
    """
    grads, errors = {}, {}
    for name, value in params.items():
        grad, error = np.zeros(np.shape(value)), np.zeros(np.shape(value))
        for index in np.ndindex(np.shape(value)):
            quotients, largest = [], 0.0
            for step in (h, 2 * h):
                shifted = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
                shifted[name][index] += step
                up = loss(shifted)
                shifted[name][index] -= 2 * step
                down = loss(shifted)
                quotients.append((up - down) / (2 * step))
                largest = max(largest, abs(up), abs(down))
            grad[index] = quotients[0]
            size = largest if scale is None else max(scale, largest)
            error[index] = abs(quotients[1] - quotients[0]) / 3 + 2 * EPS * size / h
        grads[name], errors[name] = grad, error
    return grads, errors


def gradient_errors(objective, params, scale=None):
    """Largest error of ``objective``'s closed-form gradient, in units of
    ``FACTOR`` times the finite differences' own error bound, per parameter:
    below 1 where the closed form agrees.

    Entries of ``params`` without a gradient (fixed hyperparameters) are
    skipped; ``scale`` is as in :func:`numerical_gradient`.
    """
    _, grads = objective(params)
    trainable = {name: params[name] for name in grads}

    def loss(p):
        return objective({**params, **p})[0]

    numerical, bounds = numerical_gradient(loss, trainable, scale=scale)
    return {
        name: np.max(np.abs(grads[name] - numerical[name]) / (FACTOR * bounds[name]))
        for name in grads
    }


def hessian_diagonal(f, x, h=1e-2):
    """Gradient and Hessian diagonal of scalar ``f`` at vector ``x``, by
    differences, and a bound on their errors.

    Returns ``(grad, diag, grad_error, diag_error)``. Central differences at
    steps ``h``, ``h/2`` and ``h/4`` are combined by Richardson extrapolation
    in pairs: each extrapolation errs as ``h**4``, so the last errs by about
    ``|R(h/2, h/4) - R(h, h/2)| / 15``; the rounding of ``f`` adds about
    ``eps |f| / step`` to a first difference and ``4 eps |f| / step**2`` to a
    second one, at the smallest step and times the extrapolation's weights.
    """
    grad, diag = np.empty_like(x), np.empty_like(x)
    grad_error, diag_error = np.empty_like(x), np.empty_like(x)
    f0 = f(x)
    steps = (h, h / 2, h / 4)
    for i in range(x.size):
        firsts, seconds, largest = [], [], abs(f0)
        for step in steps:
            shift = np.zeros_like(x)
            shift[i] = step
            up, down = f(x + shift), f(x - shift)
            firsts.append((up - down) / (2 * step))
            seconds.append((up - 2 * f0 + down) / step**2)
            largest = max(largest, abs(up), abs(down))
        g = [(4 * b - a) / 3 for a, b in zip(firsts[:-1], firsts[1:], strict=True)]
        d = [(4 * b - a) / 3 for a, b in zip(seconds[:-1], seconds[1:], strict=True)]
        grad[i], diag[i] = g[-1], d[-1]
        grad_error[i] = abs(g[1] - g[0]) / 15 + 2 * EPS * largest / steps[-1]
        diag_error[i] = abs(d[1] - d[0]) / 15 + 8 * EPS * largest / steps[-1] ** 2
    return grad, diag, grad_error, diag_error
