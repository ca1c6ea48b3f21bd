"""The kernels of a fitted estimator's methods, on validated data.

Each takes the energy model, its parameters (arrays of X's namespace, on
its device) and the method's settings, and computes in X's namespace;
NumPy arrays take the in-place fast paths. :func:`finite` refuses a result
that overflowed.
"""

from numbers import Integral, Real

import numpy as np

from ._array_api import convert, copy, device, empty, float_dtype, namespace, to_numpy
from ._chunks import chunk_slices
from ._data_checks import peak_magnitude
from ._encoding import relu, soft_threshold

_MAX_DENOISE_STEPS = 10_000


def finite(compute, X, method, visible_std):
    """``compute()``, the result of ``method`` on X; an error if it overflowed.

    X is finite (validated), and so is what every method computes of it,
    but rows far outside the fitted model's scale overflow X's dtype:
    such a result is refused rather than returned as inf or NaN.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        out = compute()
    xp = namespace(out)
    if bool(xp.all(xp.isfinite(out))):
        return out
    raise ValueError(
        f"{method} overflowed {X.dtype} on X, whose largest magnitude is "
        f"{peak_magnitude(X):.3g}: X is far outside the scale of the data the "
        f"model was fitted on (visible_std_={visible_std:.3g}). Scale X as the "
        "training data was scaled."
    )


def encode(model, X, params, encoding, threshold, visible_std):
    """The relu or soft threshold features of X, written chunk by chunk.

    The soft threshold projects ``u - b``, ``u = v / visible_std`` (so in
    units of sigma), on the filters scaled to unit norm, as one affine map
    of v; it gives two features per unit.
    """
    xp = namespace(X)
    filters, bias = model.input_filters(params)
    n_units = filters.shape[0]
    if encoding == "soft_threshold":
        unit = filters / xp.sqrt(xp.sum(filters * filters, axis=1))[:, None]
        bias = -(unit @ params["intercept_visible"])
        filters = unit / visible_std
        n_units *= 2
    out = empty(xp, (X.shape[0], n_units), X.dtype, device(X))
    dtype = float_dtype(xp, X.dtype)
    row_floats = X.shape[1] + n_units
    for batch in chunk_slices(X.shape[0], row_floats, dtype, cache_sized=xp is np):
        if encoding == "relu":
            relu(X[batch, :], filters, bias, out=out[batch, :])
        else:
            soft_threshold(X[batch, :], filters, bias, threshold, out=out[batch, :])
    return out


def denoise(model, X, params, n_steps, step_size):
    """``n_steps`` steps ``v <- v + step_size * (reconstruct(v) - v)`` from X."""
    # a contracting iteration has settled long before 10,000 steps, and a
    # count past that would run for hours without changing the result
    if isinstance(n_steps, bool) or not (
        isinstance(n_steps, Integral) and 0 <= n_steps <= _MAX_DENOISE_STEPS
    ):
        raise ValueError(
            f"n_steps must be an integer from 0 to {_MAX_DENOISE_STEPS}, got "
            f"{n_steps!r}."
        )
    # v <- v + s (r(v) - v) scales the distance to a fixed point of r by
    # 1 - s (1 - l) along an eigenvector of r's Jacobian there: where r
    # contracts (l in [0, 1)) steps up to 2 never let it grow, larger
    # ones do (step_size=inf gave NaN)
    if isinstance(step_size, bool) or not (
        isinstance(step_size, Real) and 0 < step_size <= 2
    ):
        raise ValueError(
            f"step_size must be a number in (0, 2], the fraction of the way to "
            f"the reconstruction taken at each step; got {step_size!r}."
        )
    out = copy(X)
    for _ in range(n_steps):
        out += step_size * (model.reconstruct(out, params) - out)
    return out


def sample(model, params, visible_std, new_sampler, chains, space):
    """The last rows of ``n_samples`` chains of ``n_steps`` steps, in ``space``.

    ``chains`` is ``(n_samples, n_steps, rng)``; ``params`` are NumPy
    arrays, on the host where the chains run. Each chain starts from the
    model's Gaussian part, ``visible_std (b + eps)``; the chains run in
    chunks of rows to bound the memory, each chunk with a sampler from
    ``new_sampler()``. The rows are returned as arrays of the
    :class:`~skscore._array_api.ArraySpace` ``space``.
    """
    n_samples, n_steps, rng = chains
    n_features = params["intercept_visible"].shape[0]
    dtype = params["intercept_visible"].dtype
    n_hidden = sum(params[block.filters].shape[0] for block in model.units)
    out = np.empty((n_samples, n_features), dtype=dtype)
    row_floats = 3 * n_features + 2 * n_hidden
    for batch in chunk_slices(n_samples, row_floats, dtype):
        start = rng.standard_normal((batch.stop - batch.start, n_features))
        start += params["intercept_visible"]
        start *= visible_std
        sampler = new_sampler()
        out[batch] = model.sample(start.astype(dtype), params, n_steps, rng, sampler)
    return convert(out, space.xp, space.device)


def mean_row_sum(terms):
    """The mean over rows of the row sums of ``terms``, in float64 on the host."""
    if isinstance(terms, np.ndarray):
        return float(np.mean(terms.sum(axis=1), dtype=np.float64))
    row_sums = to_numpy(namespace(terms).sum(terms, axis=1))
    return float(np.mean(row_sums, dtype=np.float64))
