"""Encoders computed from a model's filters: rectified inputs and soft thresholds."""

import numpy as np


def bound_row(value, array):
    """``value`` as a row of ``array``'s width and dtype, to clip ``array`` at.

    NumPy's elementwise maximum and minimum run in SIMD between arrays, and
    were three to four times slower against a scalar (NumPy 2.4, float32).
    """
    return np.full(array.shape[-1], value, dtype=array.dtype)


def relu(X, filters, bias):
    """``max(0, X filters^T + bias)``, in X's dtype."""
    codes = X @ filters.T.astype(X.dtype, copy=False)
    codes += bias.astype(X.dtype, copy=False)
    return np.maximum(codes, bound_row(0, codes), out=codes)


def soft_threshold(X, filters, threshold):
    """``[max(0, X f^T - t), max(0, -X f^T - t)]`` for filters ``f`` of unit norm.

    The two signs of each projection are kept apart (Coates and Ng, 2011), so
    there are twice as many codes as filters.
    """
    unit = filters / np.linalg.norm(filters, axis=1, keepdims=True)
    n_filters = unit.shape[0]
    out = np.empty((X.shape[0], 2 * n_filters), dtype=X.dtype)
    projections = out[:, n_filters:]
    np.matmul(X, unit.T.astype(X.dtype, copy=False), out=projections)
    np.subtract(projections, threshold, out=out[:, :n_filters])
    np.subtract(-threshold, projections, out=projections)
    return np.maximum(out, bound_row(0, out), out=out)
