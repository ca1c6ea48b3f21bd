"""Figures of fitted models (requires matplotlib)."""

import numpy as np


def plot_filters(components, image_shape, *, n_filters=100, ax=None):
    """Show learned filters as a grid of images.

    Parameters
    ----------
    components : ndarray of shape (n_filters_total, n_features)
        One filter per row, e.g. ``model.components_``.

    image_shape : tuple of int
        Shape of one filter as an image, ``(height, width)`` for grayscale or
        ``(height, width, 3)`` for colour; its product is ``n_features``.

    n_filters : int, default=100
        Show the filters of largest norm, at most this many.

    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is made when None.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.plotting import plot_filters
    >>> ax = plot_filters(np.random.default_rng(0).normal(size=(16, 64)), (8, 8))
    >>> ax.images[0].get_array().shape
    (37, 37)
    """
    import matplotlib.pyplot as plt

    components = np.asarray(components, dtype=np.float64)
    order = np.argsort(-np.linalg.norm(components, axis=1))[:n_filters]
    n_cols = int(np.ceil(np.sqrt(len(order))))
    n_rows = int(np.ceil(len(order) / n_cols))
    height, width = image_shape[:2]
    channels = image_shape[2:]
    # one pixel of border between filters, each scaled to [0, 1] on its own
    grid = np.ones(((height + 1) * n_rows + 1, (width + 1) * n_cols + 1, *channels))
    for position, index in enumerate(order):
        tile = components[index].reshape(image_shape)
        span = np.abs(tile).max()
        tile = 0.5 + 0.5 * tile / span if span > 0 else np.full(image_shape, 0.5)
        row, col = divmod(position, n_cols)
        top, left = row * (height + 1) + 1, col * (width + 1) + 1
        grid[top : top + height, left : left + width] = tile
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6 * grid.shape[0] / grid.shape[1]))
    ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    return ax
