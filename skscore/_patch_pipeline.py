"""The featurizer's pipeline: patches, normalization, affine map, encoding, pooling.

One pipeline for every Array API namespace. :func:`make_plan` is called
where the images enter ``transform``, with their namespace and device, and
puts there what every chunk of images needs: the whitening and the filters
folded into one affine map where the whitening is affine (ZCA), in float32.
:func:`encode_images` runs the steps on a chunk with the kernels of
:mod:`skscore._patches` and :mod:`skscore._encoding`, which take NumPy's
in-place path where they can; :func:`encode_all` runs it over every chunk,
in threads for NumPy, in turn on a device.
"""

import time
from typing import NamedTuple

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.utils import get_tags

from ._array_api import convert, device, empty, namespace, to_numpy
from ._chunks import chunk_slices, map_chunks
from ._encoding import ENCODERS
from ._patches import normalize_rows, patch_grid, patch_rows, patch_values
from .preprocessing import ZCAWhitening, sample_patches

#: the largest pixel magnitude the float32 computations hold: a patch's sum
#: of squares stays finite for patches of up to 1e8 values
_MAX_PIXEL = 1e15

#: the smallest spread of pixel values they resolve: both its squares and its
#: steps in float32 (a relative precision of 6e-8, at the largest magnitude)
_MIN_SPREAD = 1e-15
_MIN_RELATIVE_SPREAD = 1e-5


class Plan(NamedTuple):
    """What every chunk of images is encoded with, made once per ``transform``."""

    image_shape: tuple
    patch_size: int
    stride: int
    grid: tuple  # (rows, columns) of patch positions
    normalize: bool
    whitening: object  # a fitted whitening other than ZCA, or None
    matrix: object  # [A; b] of the affine map w -> w A + b, or None
    encoding: str
    threshold: float
    pooling: object
    model: object  # the fitted estimator
    model_on_device: bool  # whether it takes arrays of other namespaces
    n_codes: int  # per patch position

    @property
    def n_features_out(self):
        """Number of features per image."""
        n_places = 4 if self.pooling == "quadrant" else self.grid[0] * self.grid[1]
        return self.n_codes * n_places


def make_plan(featurizer, xp, where):
    """The plan of a fitted featurizer for images of namespace ``xp`` on ``where``.

    ``matrix`` maps a patch ``x`` (normalized, and whitened by a whitening
    that is not ZCA) to the inputs of the relu, ``F w + c``, or of the soft
    threshold, ``f.w - threshold`` for every filter ``f`` scaled to unit
    norm, of the whitened patch ``w``; a ZCA whitening is composed into it,
    so that one product whitens and encodes. For ``encoding="transform"`` it
    is the ZCA whitening, if any. Composed in float64 on the host.
    """
    whitening, encoding = featurizer.whitening_, featurizer.encoding
    zca = None
    if isinstance(whitening, ZCAWhitening):
        # [x, 1] @ zca = (x - mean_) @ whitening_
        zca = np.vstack([whitening.whitening_, -whitening.mean_ @ whitening.whitening_])
        whitening = None
    if encoding == "transform":
        matrix = zca
        n_codes = n_model_codes(featurizer, xp, where)
    else:
        filters, intercepts = model_filters(featurizer.estimator_, encoding)
        if encoding == "soft_threshold":
            filters = filters / np.linalg.norm(filters, axis=1, keepdims=True)
            intercepts = np.full(len(filters), -featurizer.threshold)
        matrix = np.vstack([filters.T, intercepts]).astype(np.float64)
        if zca is not None:
            composed = zca @ matrix[:-1]
            composed[-1] += matrix[-1]
            matrix = composed
        n_codes = len(filters) * (2 if encoding == "soft_threshold" else 1)
    if matrix is not None:
        matrix = convert(matrix.astype(np.float32), xp, where)
    return Plan(
        image_shape=featurizer.image_shape,
        patch_size=featurizer.patch_size,
        stride=featurizer.stride,
        grid=patch_grid(
            featurizer.image_shape, featurizer.patch_size, featurizer.stride
        ),
        normalize=featurizer.normalize,
        whitening=whitening,
        matrix=matrix,
        encoding=encoding,
        threshold=featurizer.threshold,
        pooling=featurizer.pooling,
        model=featurizer.estimator_,
        model_on_device=get_tags(featurizer.estimator_).array_api_support,
        n_codes=n_codes,
    )


def model_filters(estimator, encoding):
    """Float32 filters and intercepts of a fitted estimator, on the host.

    From, in order, its ``input_filters()``, its ``cluster_centers_`` or its
    ``components_`` (these two with zero intercepts); see the featurizer's
    ``encoding`` parameter.
    """
    if hasattr(estimator, "input_filters"):
        filters, intercepts = estimator.input_filters()
    else:
        filters = getattr(estimator, "cluster_centers_", None)
        if filters is None:
            filters = getattr(estimator, "components_", None)
        if filters is None:
            raise ValueError(
                f"encoding={encoding!r} needs filters, which "
                f"{type(estimator).__name__} does not give: it has no "
                "input_filters() method, cluster_centers_ or components_. "
                "Use encoding='transform' to encode with its transform."
            )
        intercepts = np.zeros(len(filters))
    filters = to_numpy(filters).astype(np.float32)
    intercepts = to_numpy(intercepts).astype(np.float32)
    if filters.ndim != 2 or intercepts.shape != filters.shape[:1]:
        raise ValueError(
            f"{type(estimator).__name__} gave filters of shape "
            f"{filters.shape} and intercepts of shape {intercepts.shape}; "
            "expected (n_units, n_features) and (n_units,)."
        )
    return filters, intercepts


def training_patches(featurizer, X):
    """Random patches of NumPy images X, normalized and whitened, and the whitening.

    The whitening is fitted on them: ``ZCAWhitening(eps=0.1)`` for
    ``whiten=True``, a clone of the featurizer's ``whiten`` transformer, or
    None.
    """
    patches = sample_patches(
        X,
        featurizer.n_patches,
        featurizer.image_shape,
        featurizer.patch_size,
        featurizer.random_state,
    ).astype(np.float32)
    if featurizer.normalize:
        patches = normalize_rows(patches)
    if featurizer.whiten is True:
        whitening = ZCAWhitening(eps=0.1)
    else:
        whitening = clone(featurizer.whiten) if featurizer.whiten else None
    if whitening is not None:
        patches = whitening.fit_transform(patches).astype(np.float32, copy=False)
    return patches, whitening


def n_model_codes(featurizer, xp, where):
    """Number of codes the fitted estimator's ``transform`` gives per patch.

    Asked of a whitened patch in namespace ``xp`` on ``where`` (on the host
    for an estimator without array API support), as ``transform`` asks.
    """
    n_values = featurizer.patch_size**2 * featurizer.image_shape[0]
    # a zero patch is its own normalization
    patch = np.zeros((1, n_values), dtype=np.float32)
    if featurizer.whitening_ is not None:
        patch = featurizer.whitening_.transform(patch).astype(np.float32, copy=False)
    if get_tags(featurizer.estimator_).array_api_support:
        patch = convert(patch, xp, where)
    return featurizer.estimator_.transform(patch).shape[1]


def affine(rows, matrix, out=None):
    """``w A + b`` for each row ``w`` and the map ``matrix = [A; b]``.

    Rows with one column more than ``A`` has rows end in 1 (NumPy's patch
    rows, see :func:`~skscore._patches.patch_rows`): one product then adds
    ``b`` too. ``out``: a NumPy buffer for the result, or None.
    """
    if rows.shape[1] == matrix.shape[0]:
        return np.matmul(rows, matrix, out=out)
    if namespace(rows) is not np:
        return rows @ matrix[:-1, :] + matrix[-1, :]
    out = np.matmul(rows, matrix[:-1], out=out)
    out += matrix[-1]
    return out


def encode_images(images, plan, out=None):
    """Features of a chunk of flat images, into ``out`` (a new array if None).

    Patches, normalized; whitened by a whitening other than ZCA, if any;
    mapped by ``plan.matrix`` (ZCA, and the filters for the relu and soft
    threshold); encoded and pooled.
    """
    xp, where = namespace(images), device(images)
    if out is None:
        out = empty(xp, (images.shape[0], plan.n_features_out), xp.float32, where)
    rows = patch_rows(images, plan.image_shape, plan.patch_size, plan.stride)
    values = patch_values(rows)
    if plan.normalize:
        normalize_rows(values)
    if plan.whitening is not None:
        # a whitening transformer other than ZCA: on a host copy, as fitted
        white = plan.whitening.transform(to_numpy(values))
        rows = values = convert(white, xp, where, xp.float32)
    if plan.matrix is not None:
        values = affine(rows, plan.matrix, out=_inputs_buffer(out, plan, rows.shape[0]))
    return ENCODERS[plan.encoding](values, plan, out)


def _inputs_buffer(out, plan, n_patches):
    """Where NumPy puts the unit inputs of the relu or soft threshold, or None.

    Without pooling, the last columns of ``out``, where the encoders finish
    in place (the relu's codes fill every column, the soft threshold's
    negative parts the last half); else a new array.
    """
    if plan.pooling is not None or plan.encoding == "transform":
        return None
    if namespace(out) is not np:
        return None
    return out.reshape(n_patches, -1)[:, -plan.matrix.shape[1] :]


def encode_all(X, plan, n_jobs, log, progress_seconds):
    """Features of every image of X, encoded in chunks.

    NumPy's chunks are sized for the processor caches, so that the
    elementwise passes (normalization, threshold, pooling) do not stream from
    main memory; a device's as large as ``working_memory`` allows. ``log``
    gets a line every ``progress_seconds`` at most, and one at the end.
    """
    xp, n_images = namespace(X), X.shape[0]
    # every chunk writes all of its rows
    out = empty(xp, (n_images, plan.n_features_out), xp.float32, device(X))
    n_values = plan.patch_size**2 * plan.image_shape[0]
    row_floats = np.prod(plan.grid) * 2 * (n_values + plan.n_codes)
    batches = list(chunk_slices(n_images, row_floats, np.float32, xp is np))
    start = last = time.perf_counter()
    for batch in _encoded_chunks(X, batches, plan, out, n_jobs):
        now = time.perf_counter()
        if now - last >= progress_seconds or batch.stop == n_images:
            log(f"Encoded {batch.stop}/{n_images} images, {now - start:.2f}s")
            last = now
    return out


def _encoded_chunks(X, batches, plan, out, n_jobs):
    """Encode the batches of X into ``out``; yield each batch once it is in."""
    if namespace(X) is not np:
        # a device runs its kernels in parallel itself
        for batch in batches:
            encode_images(X[batch, :], plan, out[batch, :])
            yield batch
    elif n_jobs is None:
        # threads with a single-threaded BLAS, each writing its chunk into
        # out: the elementwise work runs on every core as the products do
        done = map_chunks(
            lambda batch: encode_images(X[batch], plan, out[batch]), batches
        )
        yield from (batch for batch, _ in zip(batches, done, strict=True))
    else:
        chunks = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(encode_images)(X[batch], plan) for batch in batches
        )
        for batch, codes in zip(batches, chunks, strict=True):
            out[batch] = codes
            yield batch


def check_pixel_values(X):
    """Refuse pixel values that the float32 computations cannot hold or resolve.

    Scaled by 1e30 they overflowed the patches' sums of squares (identical
    rows), by 1e200 the conversion to float32 (NaN features); scaled by
    1e-200 they became 0, and shifted by 1e12 their differences fell below
    float32's steps (identical rows again).
    """
    xp = namespace(X)
    high, low = float(xp.max(X)), float(xp.min(X))
    peak, spread = max(high, -low), high - low
    if peak > _MAX_PIXEL:
        raise ValueError(
            f"The largest magnitude of X is {peak:.3g}, beyond the {_MAX_PIXEL:.0g} "
            "that the featurizer's float32 computations hold. Rescale X (the "
            "normalization is meant for pixel values in 0..255)."
        )
    if 0 < spread < max(_MIN_SPREAD, _MIN_RELATIVE_SPREAD * peak):
        raise ValueError(
            f"The values of X span {spread:.3g}, too little for the featurizer's "
            f"float32 computations to resolve (at least {_MIN_SPREAD:.0g}, and "
            f"{_MIN_RELATIVE_SPREAD:.0g} times the largest magnitude, {peak:.3g}). "
            "Subtract any common offset and rescale X (the normalization is meant "
            "for pixel values in 0..255)."
        )
