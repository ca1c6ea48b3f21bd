"""Encoders computed from a model's filters: rectified inputs and soft thresholds."""

import numpy as np


def relu(X, filters, bias):
    """``max(0, X filters^T + bias)``, in X's dtype."""
    codes = X @ filters.T.astype(X.dtype, copy=False)
    codes += bias.astype(X.dtype, copy=False)
    return np.maximum(codes, 0, out=codes)


def soft_threshold(X, filters, threshold):
    """``[max(0, X f^T - t), max(0, -X f^T - t)]`` for filters ``f`` of unit norm.

    The two signs of each projection are kept apart (Coates and Ng, 2011), so
    there are twice as many codes as filters.
    """
    unit = filters / np.linalg.norm(filters, axis=1, keepdims=True)
    projections = X @ unit.T.astype(X.dtype, copy=False)
    n_filters = unit.shape[0]
    out = np.empty((X.shape[0], 2 * n_filters), dtype=projections.dtype)
    np.subtract(projections, threshold, out=out[:, :n_filters])
    np.subtract(-threshold, projections, out=out[:, n_filters:])
    return np.maximum(out, 0, out=out)
