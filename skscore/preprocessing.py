"""Image patches, their normalization and ZCA whitening."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._array_api import (
    ArraySpace,
    astype,
    check_space,
    convert,
    input_namespace,
    largest_float,
)
from ._chunks import mean_and_covariance
from ._patches import (
    as_images,
    check_geometry,
    normalize_rows,
    patch_grid,
    patch_windows,
)
from ._typing import RandomStateLike
from ._validation import check_allocation, refuse_boolean_counts, refuse_booleans

_GEOMETRY = {
    "image_shape": [tuple, list],
    "patch_size": [Interval(Integral, 1, None, closed="left")],
}


@validate_params(
    {**_GEOMETRY, "stride": [Interval(Integral, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def n_patch_positions(
    image_shape: tuple[int, int, int], patch_size: int, stride: int = 1
) -> tuple[int, int]:
    """Number of patch positions along the height and the width of an image.

    Examples
    --------
    >>> from skscore.preprocessing import n_patch_positions
    >>> n_patch_positions((3, 32, 32), 6)
    (27, 27)
    """
    refuse_boolean_counts("n_patch_positions", patch_size=patch_size, stride=stride)
    check_geometry(image_shape, patch_size)
    return patch_grid(image_shape, patch_size, stride)


@validate_params(
    {
        "X": ["array-like"],
        **_GEOMETRY,
        "stride": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def extract_patches(
    X: ArrayLike,
    image_shape: tuple[int, int, int] = (3, 32, 32),
    patch_size: int = 6,
    stride: int = 1,
) -> np.ndarray:
    """Every ``patch_size`` square patch of flat channel-first images.

    Parameters
    ----------
    X : array-like of shape (n_images, channels * height * width)
        Images, each row the channel planes one after the other (CIFAR's
        layout).

    image_shape : tuple of int, default=(3, 32, 32)
        ``(channels, height, width)``.

    patch_size : int, default=6
        Side of the square patches.

    stride : int, default=1
        Step between patch positions.

    Returns
    -------
    patches : ndarray of shape (n_images * n_rows * n_cols, channels * patch_size**2)
        Patches in image order, then row-major position order; each patch
        flattened channel-first, in the dtype of X.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.preprocessing import extract_patches
    >>> images = np.arange(2 * 3 * 4 * 4).reshape(2, 48)
    >>> extract_patches(images, (3, 4, 4), patch_size=2, stride=2).shape
    (8, 12)
    """
    refuse_boolean_counts("extract_patches", patch_size=patch_size, stride=stride)
    check_geometry(image_shape, patch_size)
    windows = patch_windows(as_images(X, image_shape), patch_size, stride)
    return windows.reshape(-1, windows[0, 0, 0].size)


@validate_params(
    {
        "X": ["array-like"],
        "n_patches": [Interval(Integral, 1, None, closed="left")],
        **_GEOMETRY,
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def sample_patches(
    X: ArrayLike,
    n_patches: int,
    image_shape: tuple[int, int, int] = (3, 32, 32),
    patch_size: int = 6,
    random_state: RandomStateLike = None,
) -> np.ndarray:
    """Patches at uniformly random images and positions.

    Parameters
    ----------
    X : array-like of shape (n_images, channels * height * width)
        Flat channel-first images.

    n_patches : int
        Number of patches to draw.

    image_shape : tuple of int, default=(3, 32, 32)
        ``(channels, height, width)``.

    patch_size : int, default=6
        Side of the square patches.

    random_state : int, RandomState instance or None, default=None
        Seeds the draw.

    Returns
    -------
    patches : ndarray of shape (n_patches, channels * patch_size**2)
        Flattened channel-first patches, in the dtype of X.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.preprocessing import sample_patches
    >>> images = np.zeros((5, 3 * 32 * 32), dtype=np.uint8)
    >>> sample_patches(images, 10, random_state=0).shape
    (10, 108)
    """
    refuse_boolean_counts("sample_patches", n_patches=n_patches, patch_size=patch_size)
    images = as_images(X, image_shape)
    check_allocation(
        3 * images.itemsize * n_patches * image_shape[0] * patch_size**2,
        f"n_patches={n_patches} patches of {patch_size}x{patch_size}x{image_shape[0]}",
        "Lower n_patches.",
    )
    rng = check_random_state(random_state)
    n_rows, n_cols = n_patch_positions(image_shape, patch_size)
    which = rng.randint(len(images), size=n_patches)
    rows = rng.randint(n_rows, size=n_patches)[:, None, None]
    cols = rng.randint(n_cols, size=n_patches)[:, None, None]
    offsets = np.arange(patch_size)
    # (n_patches, channels, p, p) by fancy indexing, no per-patch loop
    patches = images[
        which[:, None, None, None],
        np.arange(image_shape[0])[None, :, None, None],
        (rows + offsets[:, None])[:, None],
        (cols + offsets[None, :])[:, None],
    ]
    return patches.reshape(n_patches, -1)


@validate_params(
    {"patches": ["array-like"], "eps": [Interval(Real, 0, None, closed="neither")]},
    prefer_skip_nested_validation=True,
)
def normalize_patches(patches: ArrayLike, eps: float = 10.0) -> np.ndarray:
    """Per-patch brightness and contrast normalization.

    Each row becomes ``(x - mean(x)) / sqrt(var(x) + eps)``, as in Coates, Lee
    & Ng (2011), whose ``eps = 10`` suits pixel values in 0..255. Float input
    keeps its dtype (float16 is computed in float32, whose squares do not
    overflow at pixel values); other input is computed in float64 and
    becomes float32.

    Parameters
    ----------
    patches : array-like of shape (n_patches, n_features)
        Patches, one per row.

    eps : float, default=10.0
        Added to each patch's variance, so flat patches are not amplified.

    Returns
    -------
    normalized : ndarray of shape (n_patches, n_features)
        The normalized patches.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.preprocessing import normalize_patches
    >>> normalize_patches(np.array([[0.0, 20.0], [5.0, 5.0]]))
    array([[-0.95346259,  0.95346259],
           [ 0.        ,  0.        ]])
    """
    patches, xp, where = input_namespace(patches)
    patches = check_array(patches, dtype=None)
    work, dtype = _work_copy(patches, xp, where)
    peak = max(float(xp.max(work)), -float(xp.min(work)))
    if peak > np.sqrt(xp.finfo(work.dtype).max / work.shape[1]):
        # a patch's sum of squares would overflow, and the patch become 0
        raise ValueError(
            f"The largest magnitude in patches is {peak:.3g}: their squares "
            f"overflow {work.dtype}. Rescale the patches."
        )
    return astype(xp, normalize_rows(work, eps), dtype)


def _work_copy(patches, xp, where):
    """A copy of patches in the dtype they are normalized in, and the one returned.

    float16's largest value is 65504: a patch's sum of squared deviations of
    pixels in 0..255 overflowed it, and every patch became 0. Integers are
    computed in float64 where the device has it, which holds them exactly up
    to 2**53 (in float32, values near 2**62 that differ by 1 were all equal).
    """
    if xp is not np:
        floating = xp.isdtype(patches.dtype, "real floating")
        dtype = patches.dtype if floating else xp.float32
        work = largest_float(xp, where) if not floating else dtype
        if dtype == getattr(xp, "float16", None):
            work = xp.float32
        return xp.astype(patches, work, copy=True), dtype
    floating = np.issubdtype(patches.dtype, np.floating)
    dtype = patches.dtype if floating else np.dtype(np.float32)
    if np.issubdtype(patches.dtype, np.integer):
        # the normalization ignores a patch's offset: integers are shifted to
        # start at 0 exactly (differences in unsigned arithmetic, which wraps
        # to the true difference in NumPy and not by the standard), so large
        # values keep their steps
        unsigned = np.dtype(f"u{patches.dtype.itemsize}")
        low = patches.min(axis=1, keepdims=True)
        patches = patches.astype(unsigned) - low.astype(unsigned)
    work = np.promote_types(dtype, np.float32) if floating else np.float64
    return patches.astype(work), dtype


class ZCAWhitening(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Zero-phase (ZCA) whitening with a regularizer.

    ``transform(X) = (X - mean_) V diag(1 / sqrt(lambda + eps)) V^T`` where
    ``V, lambda`` are the eigenvectors and eigenvalues of the covariance of
    the training data. Unlike PCA whitening it rotates back to the input
    coordinates, so whitened image patches still look like patches; ``eps``
    damps the directions of smallest variance (noise) instead of blowing
    them up.

    Parameters
    ----------
    eps : float, default=0.1
        Added to every eigenvalue. 0.1 is Coates, Lee & Ng's value for
        normalized 6x6 CIFAR patches.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Mean of the training data.

    whitening_ : ndarray of shape (n_features, n_features)
        The symmetric whitening matrix.

    explained_variance_ : ndarray of shape (n_features,)
        Eigenvalues of the training covariance, in decreasing order.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn.decomposition.PCA : With ``whiten=True``, whitening in the
        principal axes, optionally dropping components.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore.preprocessing import ZCAWhitening
    >>> mixing = [[2, 1, 0], [0, 1, 0], [0, 0, 3]]
    >>> X = np.random.default_rng(0).normal(size=(1000, 3)) @ mixing
    >>> white = ZCAWhitening(eps=0.0).fit_transform(X)
    >>> np.round(np.cov(white, rowvar=False, bias=True), 6) + 0.0
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    """

    _parameter_constraints: dict = {"eps": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, eps: float = 0.1):
        self.eps = eps

    def _validate_params(self):
        super()._validate_params()
        refuse_booleans(self)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: None = None) -> ZCAWhitening:
        """Estimate the mean and the whitening matrix from X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.

        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        X, xp, where = input_namespace(X)
        X = validate_data(self, X, dtype=[xp.float64, xp.float32], ensure_min_samples=2)
        with np.errstate(over="ignore", invalid="ignore"):
            mean, covariance = mean_and_covariance(X)
        if not np.isfinite(covariance).all():
            # the eigendecomposition of an overflowed covariance fails with
            # a LinAlgError that does not say why
            peak = max(float(xp.max(X)), -float(xp.min(X)))
            raise ValueError(
                f"The covariance of X overflows float64 (the largest magnitude in "
                f"X is {peak:.3g}). Rescale X."
            )
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        # decreasing order, in contiguous copies (a reversed view has negative
        # strides, which other namespaces cannot take)
        eigenvalues = np.ascontiguousarray(np.clip(eigenvalues, 0, None)[::-1])
        eigenvectors = eigenvectors[:, ::-1]
        # eigenvalues within round-off of 0, relative to the largest, are 0:
        # with eps=0 they were inverted into a whitening of round-off noise
        # amplified 1e8 times
        round_off = eigenvalues[0] * len(eigenvalues) * np.finfo(np.float64).eps
        if self.eps == 0 and eigenvalues[-1] <= round_off:
            raise ValueError(
                "X has a direction of zero variance and eps=0: the whitening is "
                "undefined. Use eps > 0."
            )
        whitening = (eigenvectors / np.sqrt(eigenvalues + self.eps)) @ eigenvectors.T
        # computed in float64 on the host; kept in X's namespace, on its
        # device, as scikit-learn keeps fitted arrays
        dtype = largest_float(xp, where)
        self.mean_ = convert(mean, xp, where, dtype)
        self.explained_variance_ = convert(eigenvalues, xp, where, dtype)
        self.whitening_ = convert(whitening, xp, where, dtype)
        self._space = ArraySpace.of(self.whitening_)
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Whiten X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        X_white : ndarray of shape (n_samples, n_features)
            Whitened data, in the dtype of X (float32 or float64).
        """
        check_is_fitted(self)
        check_space(X, self._space, self, "transform")
        X, xp, where = input_namespace(X)
        X = validate_data(self, X, dtype=[xp.float64, xp.float32], reset=False)
        mean = convert(self.mean_, xp, where, X.dtype)
        return (X - mean) @ convert(self.whitening_, xp, where, X.dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.array_api_support = True
        return tags
