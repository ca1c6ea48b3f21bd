"""Timing for the benchmarks: the best of repeated calls, and the GEMM floors.

A benchmark reports each time as a ratio to a floor measured in the same run
on arrays of the same shapes and type: the matrix products that the timed
computation cannot do without, alone. ``gemm_floor`` is that of every
objective and its gradient, ``encoding_floor`` that of the featurizer's
encoding; both run on NumPy arrays or on torch tensors on their device.
"""

import time

import numpy as np


def _synchronizer(device):
    """A function waiting for the work queued on ``device`` (a torch device)."""
    if device is None or device.type != "cuda":
        return lambda: None
    import torch

    return lambda: torch.cuda.synchronize(device)


def best_time(function, repeats, device=None):
    """The shortest wall-clock time of ``repeats`` calls of ``function()``.

    On a CUDA ``device`` the queued work is waited for before the clock
    starts and before it stops, so that the time is the work's, not that of
    queuing it.
    """
    synchronize = _synchronizer(device)
    times = []
    for _ in range(repeats):
        synchronize()
        start = time.perf_counter()
        function()
        synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def _like(X, shape):
    """A seeded Gaussian array of ``shape`` of X's type, where X is; the product
    of X's namespace; X's torch device (None for NumPy)."""
    values = np.random.default_rng(1).normal(size=shape)
    if isinstance(X, np.ndarray):
        return values.astype(X.dtype), np.matmul, None
    import torch

    return torch.asarray(values, dtype=X.dtype, device=X.device), torch.matmul, X.device


def gemm_floor(X, n_units, repeats):
    """Seconds of the five matrix products every objective needs, on ``X``.

    With ``U = n_units`` hidden units (K for the GBRBM, K + M for the mPoT,
    whose two filter banks are stacked) and filters ``B`` of shape (U, D),
    they are ``Z = X B^T`` (N x D x U), ``R = Z B``, ``Delta = R B^T``,
    ``Z^T R`` and ``Delta^T X``: the products of the hidden inputs, of the
    score, and of the gradient with respect to the filters. The first three
    write into buffers allocated once, so allocation is not timed.
    """
    B, matmul, device = _like(X, (n_units, X.shape[1]))
    Z = matmul(X, B.T)  # also warms up
    R = matmul(Z, B)
    delta = matmul(R, B.T)

    def products():
        matmul(X, B.T, out=Z)
        matmul(Z, B, out=R)
        matmul(R, B.T, out=delta)
        Z.T @ R
        delta.T @ X

    return best_time(products, repeats, device)


def encoding_floor(n_patches, n_features, n_filters, repeats):
    """Seconds of the two products of encoding ``n_patches`` patches, float32.

    The whitening product (patches x D x D) and the encoding product
    (patches x D x ``n_filters``), on NumPy arrays, into buffers allocated
    once.
    """
    rng = np.random.default_rng(1)
    patches = rng.normal(size=(n_patches, n_features)).astype(np.float32)
    whitening = rng.normal(size=(n_features, n_features)).astype(np.float32)
    filters = rng.normal(size=(n_filters, n_features)).astype(np.float32)
    white = np.empty_like(patches)
    codes = np.empty((n_patches, n_filters), dtype=np.float32)

    def products():
        np.matmul(patches, whitening, out=white)
        np.matmul(white, filters.T, out=codes)

    return best_time(products, repeats)
