"""Float tolerances derived from the dtype and the length of the sums.

Two computations of the same sums that differ only in rounding (another
order of the additions, another BLAS kernel or blocking, another chunking of
the rows, SIMD loops aligned differently) differ by rounding errors. Each
addition or product errs by at most ``eps / 2`` relative to its result, so a
sum of ``n`` terms whose absolute values add up to ``scale`` errs by at most
about ``n * eps * scale``, and, the errors being of random sign, by about
``sqrt(n) * eps * scale`` in practice (Higham and Mary, "A new approach to
probabilistic rounding error analysis", SIAM J. Sci. Comput., 2019). The
tolerances below are that, times a small factor for the constant.
"""

import numpy as np

from skscore._array_api import to_numpy
from skscore._patch_pipeline import make_plan
from skscore._patches import normalize_rows, patch_rows, patch_values
from skscore.preprocessing import n_patch_positions

#: the small factor in front of ``sqrt(n) * eps * scale``
FACTOR = 4


def rounding_atol(dtype, n_terms, scale):
    """Absolute tolerance between two roundings of sums of ``n_terms`` terms
    whose absolute values add up to at most ``scale``."""
    return FACTOR * np.sqrt(n_terms) * np.finfo(dtype).eps * scale


def featurizer_atol(featurizer, images):
    """Tolerance between two computations of the features of ``images`` by a
    fitted ``ConvolutionalFeaturizer``, at least one of them in float32.

    A feature sums the codes of the ``n`` positions it pools (one without
    pooling); each code comes from a unit input ``z = [x, 1] @ e``, a sum of
    ``D + 1`` products, after the patch's normalization, itself sums of ``D``
    terms: ``n + 2 (D + 1)`` roundings in a row. The scale is the largest,
    over the features, of the absolute values of those products added up
    over the pooled positions, plus ``2t`` per position for the soft
    threshold's negative halves (``max(-2t - z, 0)``). A whitening that is
    not folded into ``e`` (PCA) and the model's own ``transform`` (a
    projection on the model's filters, then a function of slope at most 1)
    each add a product whose magnitudes are carried the same way.
    """
    plan = make_plan(featurizer, np, None)
    # rows [x, 1] of the normalized patches x
    patches = patch_rows(
        np.asarray(images), plan.image_shape, plan.patch_size, plan.stride
    )
    if plan.normalize:
        normalize_rows(patch_values(patches))
    magnitudes = np.abs(patches).astype(np.float64)
    n_products = patches.shape[1]
    if plan.whitening is not None:  # (x - mean) @ whitening, as PCA's
        whitening = plan.whitening.components_.T
        if plan.whitening.whiten:
            whitening = whitening / np.sqrt(plan.whitening.explained_variance_)
        centred = magnitudes[:, :-1] + np.abs(plan.whitening.mean_)
        # the last column, the 1 of [x, 1], stays
        magnitudes = np.hstack([centred @ np.abs(whitening), magnitudes[:, -1:]])
        n_products += patches.shape[1]
    if plan.matrix is not None:
        magnitudes = magnitudes @ np.abs(plan.matrix.astype(np.float64))
    threshold = featurizer.threshold
    if featurizer.encoding == "transform":
        # the model projects on its filters as they are or scaled to unit
        # norm (the soft threshold's): the larger of the two bounds both
        filters, intercepts = map(to_numpy, featurizer.estimator_.input_filters())
        unit = filters / np.linalg.norm(filters, axis=1, keepdims=True)
        filters = np.maximum(np.abs(filters), np.abs(unit))
        magnitudes = magnitudes[:, : filters.shape[1]] @ filters.T + np.abs(intercepts)
        n_products += filters.shape[1]
        threshold = getattr(featurizer.estimator_, "threshold", 0.0)
    if featurizer.encoding != "relu":
        magnitudes = np.hstack([magnitudes, magnitudes + 2 * threshold])
    n_rows, n_cols = n_patch_positions(
        featurizer.image_shape, featurizer.patch_size, featurizer.stride
    )
    grid = magnitudes.reshape(len(images), n_rows, n_cols, -1)
    if featurizer.pooling is None:
        return rounding_atol(np.float32, 1 + n_products, grid.max())
    rows, cols = n_rows // 2, n_cols // 2
    scale = max(
        quadrant.sum(axis=(1, 2)).max()
        for quadrant in (
            grid[:, :rows, :cols],
            grid[:, :rows, cols:],
            grid[:, rows:, :cols],
            grid[:, rows:, cols:],
        )
    )
    n = (n_rows - rows) * (n_cols - cols)  # positions of the largest quadrant
    return rounding_atol(np.float32, n + n_products, scale)


def input_rounding_atol(function, inputs, dtype, step=1e-6):
    """Tolerance between ``function(inputs)`` computed in ``dtype`` and in
    float64, entry by entry of its output.

    Rounding the inputs to ``dtype`` moves each entry ``x_j`` by up to
    ``eps / 2`` of itself, which moves the output by up to ``sum_j |d out /
    d x_j| |x_j| eps / 2``; the roundings inside the computation act as such
    moves of its intermediate values, of the same order. The sensitivities
    ``|d out / d x_j| |x_j|`` are taken by central differences in float64, at
    a relative step ``step``, one entry of ``inputs`` (a dict of arrays) at a
    time; to them is added the rounding of the output itself.
    """
    inputs = {
        name: np.asarray(value, dtype=np.float64) for name, value in inputs.items()
    }
    output = np.asarray(function(inputs))
    sensitivity = np.zeros(output.shape)
    for name, value in inputs.items():
        for index in np.ndindex(value.shape):
            if value[index] == 0:
                continue
            moved = []
            for sign in (1, -1):
                shifted = {**inputs, name: value.copy()}
                shifted[name][index] *= 1 + sign * step
                moved.append(np.asarray(function(shifted)))
            sensitivity += np.abs(moved[0] - moved[1]) / (2 * step)
    eps = np.finfo(dtype).eps
    return FACTOR * eps * (sensitivity + np.abs(output))
