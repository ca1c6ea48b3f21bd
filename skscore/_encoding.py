"""The encoders: rectified inputs, soft thresholds and a model's own transform.

:func:`relu` and :func:`soft_threshold` encode rows with a model's filters
(the estimators' ``transform``). The featurizer's encoders read the unit
inputs of every patch, computed by one affine map into which the whitening,
the filters and the threshold are folded, and pool the codes: NumPy's
arrays are encoded in place and pooled into ``out``; those of other
namespaces with the standard's functions, on their device.
"""

import numpy as np

from ._array_api import convert, device, namespace, to_numpy
from ._patches import quadrant_sizes, quadrant_sums

#: the largest threshold of the soft threshold: beyond it every code is 0
MAX_THRESHOLD = 1e30


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


def pool(codes, plan, out):
    """Codes of every patch (images x positions, codes), pooled into ``out``.

    Quadrant sums, or the codes of every position for ``pooling=None``.
    """
    if plan.pooling is None:
        out[...] = namespace(codes).reshape(codes, out.shape)
        return out
    return quadrant_sums(codes, plan.grid, out)


def relu_codes(inputs, plan, out):
    """``max(z, 0)`` of the unit inputs ``z = F w + c``, pooled into ``out``."""
    xp = namespace(inputs)
    if xp is not np:
        return pool(xp.clip(inputs, min=0.0), plan, out)
    zeros = bound_row(0, inputs)
    if plan.pooling is None:
        # in place where the inputs are out's columns (_patch_pipeline.py puts
        # them there)
        np.maximum(inputs, zeros, out=out.reshape(inputs.shape))
        return out
    return pool(np.maximum(inputs, zeros, out=inputs), plan, out)


def soft_threshold_codes(inputs, plan, out):
    """``[max(z, 0), max(-2t - z, 0)]`` of the inputs ``z = f.w - t``, pooled.

    ``f.w`` are the projections of the whitened patch ``w`` on the unit-norm
    filters and ``t`` the threshold: the two parts are ``max(f.w - t, 0)``
    and ``max(-f.w - t, 0)``, the two signs kept apart (Coates and Ng, 2011).
    """
    xp = namespace(inputs)
    shift = -2 * plan.threshold
    if xp is not np:
        negative = xp.clip(shift - inputs, min=0.0)
        return pool(xp.concat([xp.clip(inputs, min=0.0), negative], axis=1), plan, out)
    n_units, zeros = inputs.shape[1], bound_row(0, inputs)
    if plan.pooling is None:
        # in place where the inputs are out's last columns (_patch_pipeline.py
        # puts them there)
        codes = out.reshape(len(inputs), 2 * n_units)
        np.maximum(inputs, zeros, out=codes[:, :n_units])
        negative = np.subtract(shift, inputs, out=codes[:, n_units:])
        np.maximum(negative, zeros, out=negative)
        return out
    sums = out.reshape(len(out), 4, 2 * n_units)
    quadrant_sums(np.maximum(inputs, zeros), plan.grid, sums[:, :, :n_units])
    # sum(max(-2t - z, 0)) = n (-2t) - sum(min(z, -2t)): one pass less
    np.minimum(inputs, bound_row(shift, inputs), out=inputs)
    negative = sums[:, :, n_units:]
    quadrant_sums(inputs, plan.grid, negative)
    n_positions = quadrant_sizes(plan.grid)[:, None]
    np.subtract(shift * n_positions, negative, out=negative)
    # the difference can round to slightly below 0
    np.maximum(negative, zeros, out=negative)
    return out


def model_codes(white, plan, out):
    """The fitted model's ``transform`` of the whitened patches, pooled.

    In the patches' namespace, or on a host copy for a model without array
    API support; the codes come back in float32.
    """
    xp, where = namespace(white), device(white)
    if not plan.model_on_device:
        white = to_numpy(white)
    codes = plan.model.transform(white)
    return pool(convert(codes, xp, where, xp.float32), plan, out)


def code_names(estimator, encoding, n_codes):
    """Names of the ``n_codes`` codes per patch of a fitted estimator, by encoding.

    For the relu and the soft threshold, its units' names (``filter3`` if it
    does not name them), with the soft threshold's signs ``_pos`` and
    ``_neg``; for ``"transform"``, its feature names (``code3`` if it has
    none).
    """
    if encoding == "transform":
        if hasattr(estimator, "get_feature_names_out"):
            return list(estimator.get_feature_names_out())
        return [f"code{index}" for index in range(n_codes)]
    unit_names = getattr(estimator, "_unit_names", None)
    if unit_names is not None:
        units = unit_names()
    else:
        n_units = n_codes // 2 if encoding == "soft_threshold" else n_codes
        units = [f"filter{index}" for index in range(n_units)]
    if encoding == "soft_threshold":
        return [f"{unit}_pos" for unit in units] + [f"{unit}_neg" for unit in units]
    return units


#: the featurizer's encoders, by its ``encoding``
ENCODERS = {
    "relu": relu_codes,
    "soft_threshold": soft_threshold_codes,
    "transform": model_codes,
}
