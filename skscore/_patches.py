"""The patches of images: their geometry, extraction, normalization, quadrant sums.

Each kernel takes arrays of any Array API namespace and computes on their
device; NumPy arrays take a faster path (strided views, in-place ufuncs,
``out=`` buffers) that the standard does not offer.
"""

from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._array_api import namespace


def check_geometry(image_shape, patch_size):
    """Raise a ValueError unless ``patch_size`` patches fit in ``image_shape``."""
    if len(image_shape) != 3 or not all(
        isinstance(n, Integral) and n >= 1 for n in image_shape
    ):
        raise ValueError(
            "image_shape must be (channels, height, width), three positive "
            f"integers; got {image_shape!r}."
        )
    if patch_size > min(image_shape[1:]):
        raise ValueError(
            f"patch_size={patch_size} is larger than the images "
            f"{tuple(image_shape[1:])}."
        )


def as_images(X, image_shape):
    """Flat images X as a NumPy array of shape (n, *image_shape), checked."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != np.prod(image_shape):
        raise ValueError(
            f"Expected flat images of {int(np.prod(image_shape))} values "
            f"(image_shape={tuple(image_shape)}), got an array of shape {X.shape}."
        )
    if len(X) == 0:
        raise ValueError("X has no images.")
    return X.reshape(len(X), *image_shape)


def patch_grid(image_shape, patch_size, stride):
    """Number of patch positions along the height and the width of an image."""
    _, height, width = image_shape
    return (height - patch_size) // stride + 1, (width - patch_size) // stride + 1


def patch_windows(images, patch_size, stride):
    """A view of every patch of NumPy images (n, C, H, W): (n, rows, cols, C, p, p)."""
    windows = sliding_window_view(images, (patch_size, patch_size), axis=(2, 3))
    return windows[:, :, ::stride, ::stride].transpose(0, 2, 3, 1, 4, 5)


def patch_rows(images, image_shape, patch_size, stride):
    """Float32 rows of every patch of flat channel-first images.

    Rows in the order of :func:`~skscore.preprocessing.extract_patches`: the
    positions of each image row by row, each patch flattened channel first.
    NumPy's rows end in a 1, ``[x, 1]``, so that one product applies an
    affine map and its bias; :func:`patch_values` gives their ``x``. Rows of
    other namespaces are ``x``.
    """
    if namespace(images) is np:
        windows = patch_windows(images.reshape(-1, *image_shape), patch_size, stride)
        n_patches = np.prod(windows.shape[:3])
        rows = np.empty((n_patches, windows[0, 0, 0].size + 1), dtype=np.float32)
        rows[:, -1] = 1
        # a reshape that only splits axes: a view of the patch columns
        np.copyto(rows[:, :-1].reshape(windows.shape), windows, casting="unsafe")
        return rows
    return _strided_patches(images, image_shape, patch_size, stride)


def _strided_patches(images, image_shape, patch_size, stride):
    """:func:`patch_rows` of images of a namespace without strided views."""
    xp = namespace(images)
    n_rows, n_cols = patch_grid(image_shape, patch_size, stride)
    n_images, n_channels = images.shape[0], image_shape[0]
    images = xp.reshape(xp.astype(images, xp.float32), (n_images, *image_shape))
    # the pixel at offset (i, j) of every patch, for each offset
    shifts = [
        images[
            :,
            :,
            i : i + stride * (n_rows - 1) + 1 : stride,
            j : j + stride * (n_cols - 1) + 1 : stride,
        ]
        for i in range(patch_size)
        for j in range(patch_size)
    ]
    patches = xp.permute_dims(xp.stack(shifts, axis=-1), (0, 2, 3, 1, 4))
    return xp.reshape(patches, (n_images * n_rows * n_cols, n_channels * patch_size**2))


def patch_values(rows):
    """The patches ``x`` of the rows of :func:`patch_rows`: a view of NumPy's."""
    return rows[:, :-1] if namespace(rows) is np else rows


def normalize_rows(patches, eps=10.0):
    """``(x - mean(x)) / sqrt(var(x) + eps)`` of each row ``x``, in place.

    ``patches`` is a float array (a view, for NumPy), not validated.
    """
    xp = namespace(patches)
    if xp is np:
        patches -= patches.mean(axis=1, keepdims=True)
        variance = np.einsum("ij,ij->i", patches, patches)
        variance /= patches.shape[1]
        variance += eps
        patches /= np.sqrt(variance, out=variance)[:, None]
        return patches
    patches -= xp.mean(patches, axis=1, keepdims=True)
    variance = xp.sum(patches * patches, axis=1, keepdims=True) / patches.shape[1]
    patches /= xp.sqrt(variance + eps)
    return patches


def quadrant_sizes(grid):
    """Number of patch positions in each quadrant, in the order of the features."""
    n_rows, n_cols = grid
    rows, cols = n_rows // 2, n_cols // 2
    return np.outer([rows, n_rows - rows], [cols, n_cols - cols]).ravel()


def quadrant_sums(codes, grid, out):
    """Sums of codes (images x positions, codes) over each quadrant of the grid.

    Quadrants top left, top right, bottom left, bottom right, written into
    ``out`` of shape (images, 4 * codes), or (images, 4, codes) for NumPy.
    """
    xp = namespace(codes)
    n_rows, n_cols = grid
    rows, cols = n_rows // 2, n_cols // 2
    codes = xp.reshape(codes, (-1, n_rows, n_cols, codes.shape[1]))
    blocks = [
        codes[:, row_range, col_range, :]
        for row_range in (slice(0, rows), slice(rows, n_rows))
        for col_range in (slice(0, cols), slice(cols, n_cols))
    ]
    if xp is np:
        out = out.reshape(len(codes), 4, codes.shape[-1])
        for quadrant, block in enumerate(blocks):
            block.sum(axis=(1, 2), out=out[:, quadrant])
        return out
    sums = xp.stack([xp.sum(block, axis=(1, 2)) for block in blocks], axis=1)
    out[...] = xp.reshape(sums, out.shape)
    return out
