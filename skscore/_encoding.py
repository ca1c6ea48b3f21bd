"""Encoders computed from a model's filters: rectified inputs and soft thresholds."""

import numpy as np

from ._array_api import namespace


def bound_row(value, array):
    """``value`` as a row of ``array``'s width and dtype, to clip ``array`` at.

    NumPy's elementwise maximum and minimum run in SIMD between arrays, and
    were three to four times slower against a scalar (NumPy 2.4, float32).
    """
    return np.full(array.shape[-1], value, dtype=array.dtype)


def relu(X, filters, bias, out):
    """``max(0, X filters^T + bias)``, written into ``out`` (X's dtype)."""
    xp = namespace(X)
    if xp is not np:
        out[...] = xp.clip(X @ filters.T + bias, min=0.0)
        return out
    np.matmul(X, filters.T, out=out)
    out += bias
    return np.maximum(out, bound_row(0, out), out=out)


def soft_threshold(X, filters, bias, threshold, out):
    """``[max(0, p - t), max(0, -p - t)]`` for the projections ``p = X f^T + bias``.

    The two signs of each projection are kept apart (Coates and Ng, 2011), so
    ``out`` has twice as many columns as there are filters.
    """
    n_filters = filters.shape[0]
    xp = namespace(X)
    if xp is not np:
        projections = X @ filters.T + bias
        out[:, :n_filters] = xp.clip(projections - threshold, min=0.0)
        out[:, n_filters:] = xp.clip(-projections - threshold, min=0.0)
        return out
    projections = out[:, n_filters:]
    np.matmul(X, filters.T, out=projections)
    projections += bias
    np.subtract(projections, threshold, out=out[:, :n_filters])
    np.subtract(-threshold, projections, out=projections)
    return np.maximum(out, bound_row(0, out), out=out)
