"""Figures of fitted models: filters, the three score matching terms, denoising.

Requires matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils._param_validation import HasMethods, Interval, validate_params
from sklearn.utils.validation import check_array, check_is_fitted

from ._validation import refuse_boolean_counts

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ._mpot import MPoTAutoencoder


def _check_rows(rows, image_shape, name):
    """``rows`` as a finite 2-D float64 array of images of ``image_shape``."""
    rows = check_array(rows, dtype=np.float64, input_name=name)
    if np.prod(image_shape) != rows.shape[1]:
        raise ValueError(
            f"image_shape={tuple(image_shape)} holds {int(np.prod(image_shape))} "
            f"values, but each row of {name} has {rows.shape[1]}."
        )
    return rows


_IMAGE_SHAPE = [tuple, list]


@validate_params(
    {
        "components": ["array-like"],
        "image_shape": _IMAGE_SHAPE,
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "ax": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def plot_filters(
    components: ArrayLike,
    image_shape: tuple[int, ...],
    *,
    n_filters: int = 100,
    ax: Axes | None = None,
) -> Axes:
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

    refuse_boolean_counts("plot_filters", n_filters=n_filters)
    components = _check_rows(components, image_shape, "components")
    # matplotlib draws a grey image or one of 3 colour channels only
    if len(image_shape) not in (2, 3) or image_shape[2:] not in ((), (1,), (3,)):
        raise ValueError(
            "image_shape must be (height, width), (height, width, 1) or "
            f"(height, width, 3) to be drawn, got {tuple(image_shape)}."
        )
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


@validate_params(
    {
        "model": [HasMethods(["fit"])],
        "image_shape": _IMAGE_SHAPE,
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "basis": ["array-like", None],
        "axes": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def plot_mpot_filters(
    model: MPoTAutoencoder,
    image_shape: tuple[int, ...],
    *,
    n_filters: int = 64,
    basis: ArrayLike | None = None,
    axes: Sequence[Axes] | None = None,
) -> np.ndarray:
    """Show an mPoT's covariance and mean filters side by side.

    Parameters
    ----------
    model : MPoTAutoencoder
        A fitted model.

    image_shape : tuple of int
        Shape of one filter as an image, as in :func:`plot_filters`.

    n_filters : int, default=64
        Filters of largest norm shown per panel, at most this many.

    basis : ndarray of shape (n_features, n_pixels), default=None
        Maps the filters to pixels, ``filters @ basis``: e.g.
        ``pca.components_`` when the model was fitted on PCA-whitened
        patches. None shows the filters as they are.

    axes : array of two matplotlib Axes, default=None
        Axes to draw on; a new figure is made when None.

    Returns
    -------
    axes : array of two matplotlib Axes
        Covariance filters, then mean filters.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore import MPoTAutoencoder
    >>> from skscore.plotting import plot_mpot_filters
    >>> X = 0.5 * np.random.default_rng(0).standard_t(5, size=(300, 16))
    >>> model = MPoTAutoencoder(8, 4, max_iter=5, random_state=0).fit(X)
    >>> axes = plot_mpot_filters(model, (4, 4))
    >>> [ax.get_title() for ax in axes]
    ['covariance filters', 'mean filters']
    """
    import matplotlib.pyplot as plt

    if not hasattr(model, "n_covariance"):
        raise TypeError(
            f"plot_mpot_filters draws an MPoTAutoencoder's two filter banks, got "
            f"{type(model).__name__}; use plot_filters(model.components_, "
            "image_shape) for other estimators."
        )
    check_is_fitted(model, ["covariance_components_", "components_"])
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9, 4.5))
    banks = {
        "covariance filters": model.covariance_components_,
        "mean filters": model.components_,
    }
    for ax, (title, filters) in zip(axes, banks.items(), strict=True):
        if basis is not None:
            filters = filters @ basis
        plot_filters(filters, image_shape, n_filters=n_filters, ax=ax)
        ax.set_title(title)
    return axes


@validate_params(
    {
        "estimators": [dict],
        "X": ["array-like"],
        "n_rounds": [Interval(Integral, 1, None, closed="left")],
        "axes": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def plot_score_terms(
    estimators: Sequence,
    X: ArrayLike,
    *,
    n_rounds: int = 20,
    axes: Sequence[Axes] | None = None,
) -> np.ndarray:
    """The three score matching terms over training: the effect of the regularizers.

    Each estimator is cloned with ``warm_start=True`` and fitted on X
    ``n_rounds`` times, so every round runs its own ``max_iter`` more
    iterations; after each round the mean squared error, variance and
    curvature terms of ``score_terms(X)`` are recorded. Comparing score
    matching with ``objective="ae"`` reproduces the figure of Swersky et al.
    (2011): the autoencoder lowers its squared error while the two
    regularizers, which it does not see, drift.

    Parameters
    ----------
    estimators : dict of str to estimator
        Label to an unfitted skscore estimator (iterations per round set by
        its ``max_iter``).

    X : array-like of shape (n_samples, n_features)
        Training data, on which the terms are also measured.

    n_rounds : int, default=20
        Number of rounds of fitting.

    axes : array of three matplotlib Axes, default=None
        Axes to draw on; a new figure is made when None.

    Returns
    -------
    axes : array of three matplotlib Axes
        Squared error, variance and curvature; one line per estimator, with
        the iterations run on the horizontal axis.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore import GBRBMScoreMatching
    >>> from skscore.plotting import plot_score_terms
    >>> X = np.random.default_rng(0).normal(size=(200, 6))
    >>> models = {"score matching": GBRBMScoreMatching(4, max_iter=2),
    ...           "autoencoder": GBRBMScoreMatching(4, objective="ae", max_iter=2)}
    >>> axes = plot_score_terms(models, X, n_rounds=3)
    >>> [len(line.get_xdata()) for line in axes[0].lines]
    [3, 3]
    """
    import warnings

    import matplotlib.pyplot as plt
    from sklearn.base import clone
    from sklearn.exceptions import ConvergenceWarning

    refuse_boolean_counts("plot_score_terms", n_rounds=n_rounds)
    if not estimators:
        raise ValueError("estimators is empty: give at least one label: estimator.")
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    for label, estimator in estimators.items():
        model = clone(estimator).set_params(warm_start=True)
        iterations, terms = [], []
        for _ in range(n_rounds):
            with warnings.catch_warnings():  # each round stops at its max_iter
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X)
            iterations.append(model.n_iter_ + (iterations[-1] if iterations else 0))
            terms.append(model.score_terms(X).mean(axis=0))
        for ax, curve in zip(axes, np.transpose(terms), strict=True):
            ax.plot(iterations, curve, label=label)
    for ax, title in zip(axes, ("squared error", "variance", "curvature"), strict=True):
        ax.set(title=title, xlabel="iterations")
    axes[0].legend()
    return axes


@validate_params(
    {
        "clean": ["array-like"],
        "noisy": ["array-like"],
        "denoised": ["array-like"],
        "image_shape": _IMAGE_SHAPE,
        "n_images": [Interval(Integral, 1, None, closed="left")],
        "axes": "no_validation",
    },
    prefer_skip_nested_validation=True,
)
def plot_denoising(
    clean: ArrayLike,
    noisy: ArrayLike,
    denoised: ArrayLike,
    image_shape: tuple[int, ...],
    *,
    n_images: int = 16,
    axes: Sequence[Axes] | None = None,
) -> np.ndarray:
    """Clean, noisy and denoised patches side by side, with their errors.

    Parameters
    ----------
    clean, noisy, denoised : ndarray of shape (n_samples, n_pixels)
        The same patches, e.g. ``denoised = model.denoise(noisy)``.

    image_shape : tuple of int
        ``(height, width)`` of one grayscale patch.

    n_images : int, default=16
        Number of patches shown (the first ones), laid out in a square grid.

    axes : array of three matplotlib Axes, default=None
        Axes to draw on; a new figure is made when None.

    Returns
    -------
    axes : array of three matplotlib Axes
        Clean, noisy and denoised, on one gray scale set by the clean
        patches; the last two titled with their mean squared error to the
        clean patches (over all rows given).

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.plotting import plot_denoising
    >>> clean = np.zeros((4, 9))
    >>> axes = plot_denoising(clean, clean + 1, clean + 0.5, (3, 3), n_images=4)
    >>> [ax.get_title() for ax in axes]
    ['clean', 'noisy (error 1)', 'denoised (error 0.25)']
    """
    import matplotlib.pyplot as plt

    refuse_boolean_counts("plot_denoising", n_images=n_images)
    clean = _check_rows(clean, image_shape, "clean")
    noisy = _check_rows(noisy, image_shape, "noisy")
    denoised = _check_rows(denoised, image_shape, "denoised")
    if not clean.shape == noisy.shape == denoised.shape:
        raise ValueError(
            f"clean, noisy and denoised must be the same patches: got shapes "
            f"{clean.shape}, {noisy.shape} and {denoised.shape}."
        )
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(10, 3.6))
    side = int(np.ceil(np.sqrt(n_images)))
    height, width = image_shape
    span = np.percentile(np.abs(clean[:n_images]), 99) or 1.0
    for ax, (title, rows) in zip(
        axes,
        {"clean": clean, "noisy": noisy, "denoised": denoised}.items(),
        strict=True,
    ):
        grid = np.full((side * (height + 1) + 1, side * (width + 1) + 1), np.nan)
        for position, row in enumerate(np.asarray(rows)[:n_images]):
            top, left = (
                k * (n + 1) + 1
                for k, n in zip(divmod(position, side), (height, width), strict=True)
            )
            grid[top : top + height, left : left + width] = row.reshape(image_shape)
        ax.imshow(grid, cmap="gray", vmin=-span, vmax=span, interpolation="nearest")
        if rows is not clean:
            title += f" (error {np.mean((np.asarray(rows) - clean) ** 2):.3g})"
        ax.set_title(title)
        ax.set_axis_off()
    return axes
