"""What the estimators measure and check of their training data.

The data's scale (the root mean square of its columns' standard
deviations), to which starting values, stopping rules and every parameter
in the units of X are relative; the checks that those parameters and the
sizes asked for fit the dtype and the machine; and the column statistics
they rest on. NumPy arrays are reduced in float64 with temporaries of
bounded size, arrays of other namespaces on their device.
"""

import warnings

import numpy as np

from ._array_api import convert, device, namespace, to_numpy
from ._chunks import chunk_slices
from ._validation import check_allocation

#: L-BFGS keeps 10 pairs of parameter-sized vectors, Adam two moments and the
#: fast weights of FPCD: about this many float64 copies of the parameters
_PARAMETER_COPIES = 30


def check_sizes(model, sizes, X, objective, n_noise_samples):
    """Refuse numbers of units or noise samples that cannot fit in memory.

    ``sizes`` gives the number of units of each block, by the name of its
    axis.
    """
    n_features = X.shape[1]
    n_params = sum(sizes[block.n_units] * (n_features + 1) for block in model.units)
    asked = ", ".join(f"{name}={size}" for name, size in sizes.items())
    check_allocation(
        _PARAMETER_COPIES * 8 * n_params,
        f"Training {asked} units on {n_features} features",
        f"Lower {' or '.join(sizes)}.",
    )
    if objective.draws_noise:  # drawn in float64, on the host
        check_allocation(
            n_noise_samples * X.shape[0] * n_features * 8,
            f"n_noise_samples={n_noise_samples} corrupted copies of X",
            "Lower n_noise_samples.",
        )


def _dtype_limit(dtype):
    """How far from 1 a scale may be for the objectives to stay finite in ``dtype``.

    The objectives hold squares and inverse squares of the data's scale
    and of the parameters in its units.
    """
    return np.sqrt(np.finfo(dtype).max) / 1e4


def check_units(dtype, scale, settings):
    """Refuse parameters in the units of X that the dtype cannot hold.

    ``settings`` maps the names of those parameters to their values (the
    strings of other options are skipped). Past the range
    :func:`data_scale` allows for the scale itself the objectives overflow
    (``visible_std=1e300`` ended in an OverflowError of Python's floats).
    """
    limit = _dtype_limit(dtype)
    for name, value in settings.items():
        if isinstance(value, str):
            continue
        if not 1 / limit <= value / scale <= limit:
            raise ValueError(
                f"{name}={value:.3g} is {value / scale:.3g} times the scale of X "
                f"({scale:.3g}), outside what {dtype} computations of the "
                f"objective can hold ({1 / limit:.1g} to {limit:.1g} times). "
                f"Choose {name} relative to the scale of X."
            )


def data_scale(X, dtype, *, learned_sigma_unbounded):
    """The scale of X: the root mean square of its columns' deviations.

    ``dtype`` is X's NumPy dtype. With ``learned_sigma_unbounded`` (score
    matching learning ``visible_std``), constant data is refused: the
    objective then decreases without bound as the learned scale shrinks.
    """
    # in units of X's largest magnitude, so that the squares neither
    # overflow nor underflow: X * 1e-200 was taken for constant data
    peak = peak_magnitude(X)
    variance = column_variances(X, unit=peak).mean() if peak > 0 else 0.0
    if variance == 0 and learned_sigma_unbounded:
        raise ValueError(
            "Every feature of X is constant: the score matching objective "
            "then decreases without bound as visible_std shrinks to 0. "
            "Fit on data that varies, or set a fixed visible_std."
        )
    scale = peak * float(np.sqrt(variance)) if variance > 0 else 1.0
    limit = _dtype_limit(dtype)
    if not 1 / limit <= scale <= limit:
        raise ValueError(
            f"The scale of X (root mean square of the column standard "
            f"deviations) is {scale:.3g}, outside what {dtype} computations "
            f"of the objective can hold ({1 / limit:.1g} to {limit:.1g}). "
            "Rescale X"
            + (", or convert it to float64." if dtype == np.float32 else ".")
        )
    return scale


def warn_if_far(scale, name, value, what, above):
    """Warn when a parameter in the units of X is far from the data's scale.

    That is more than ``above`` times larger, or 100 times smaller.
    """
    if isinstance(value, str) or 1 / 100 <= value / scale <= above:
        return
    warnings.warn(
        f"{name}={value:.3g}, the standard deviation of {what}, is in the units "
        f"of X, whose scale (root mean square of the column standard deviations) "
        f"is {scale:.3g}: more than {above if value > scale else 100:g} times "
        f"{'larger' if value > scale else 'smaller'}. Choose {name} relative to "
        "the scale of X, or rescale X.",
        UserWarning,
    )


def validation_split(X, fraction, rng):
    """The rows to fit and the held-out rows that tell when to stop.

    A random ``fraction`` of the rows (at least one) is held out, both parts
    kept in the order of X; with ``fraction=None`` every row is fitted and
    the held-out part is None.
    """
    if fraction is None:
        return X, None
    n_samples = X.shape[0]
    n_val = int(np.ceil(fraction * n_samples))
    if n_val >= n_samples:
        raise ValueError(
            f"validation_fraction={fraction} of {n_samples} "
            f"rows leaves no row to fit. Lower validation_fraction, pass more "
            "rows, or set validation_fraction=None to fit on every row."
        )
    order = rng.permutation(n_samples)
    xp, where = namespace(X), device(X)
    fit_rows, val_rows = (np.sort(order[n_val:]), np.sort(order[:n_val]))
    if xp is np:
        return X[fit_rows], X[val_rows]
    return (
        xp.take(X, xp.asarray(fit_rows, device=where), axis=0),
        xp.take(X, xp.asarray(val_rows, device=where), axis=0),
    )


def column_means(X):
    """Mean of each column, as a float64 NumPy array."""
    xp = namespace(X)
    if xp is np:
        return X.mean(axis=0, dtype=np.float64)
    return to_numpy(xp.mean(X, axis=0)).astype(np.float64)


def peak_magnitude(X):
    """The largest magnitude in X, a float (X's reductions make no copy)."""
    xp = namespace(X)
    return max(float(xp.max(X)), -float(xp.min(X)))


def column_variances(X, unit=1.0):
    """Variance of each column of ``X / unit``, a float64 NumPy array.

    For NumPy, computed in float64 with temporaries of bounded size (``X.var``
    would make a centered copy of X, which defeats fitting a memmap larger
    than memory). X of another Array API namespace is reduced on its device,
    in its dtype: its squares overflow or underflow unless ``unit`` is near
    X's largest magnitude.
    """
    xp = namespace(X)
    if xp is not np:
        return to_numpy(xp.var(X / unit, axis=0)).astype(np.float64)
    mean = X.mean(axis=0, dtype=np.float64) / unit
    total = np.zeros(X.shape[1])
    for batch in chunk_slices(X.shape[0], 2 * X.shape[1], np.float64):
        centered = X[batch] / unit - mean
        total += np.einsum("ij,ij->j", centered, centered)
    return total / X.shape[0]


def largest_variance(X, stop_above, n_power_iterations=50):
    """Largest variance of X in any direction, approached from below.

    Power iteration on the covariance from the feature of largest variance;
    it stops early once the estimate exceeds ``stop_above``, so that answering
    "is there a direction of variance above t?" costs little when there is.
    """
    xp, where = namespace(X), device(X)
    with np.errstate(over="ignore", invalid="ignore"):  # huge X: variances overflow
        mean = column_means(X)
        variances = column_variances(X)
        direction = np.zeros(X.shape[1])
        direction[np.argmax(variances)] = 1.0
        top = variances.max()
        for _ in range(n_power_iterations):
            if not 0 < top <= stop_above:
                break
            # products in X's dtype: a float64 vector would upcast all of X
            projection = X @ convert(direction, xp, where, X.dtype)
            projection -= float(mean @ direction)
            direction = to_numpy(X.T @ projection).astype(np.float64)
            direction /= X.shape[0]
            top = np.linalg.norm(direction)  # ||C d|| <= largest variance, ||d|| = 1
            direction /= top
    return top
