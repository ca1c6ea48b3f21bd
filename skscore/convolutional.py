"""Apply a patch featurizer over every patch position of images, and pool."""

from __future__ import annotations

import time
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._array_api import ArraySpace, check_space, convert, input_namespace, to_numpy
from ._docs import fill_doc
from ._encoding import MAX_THRESHOLD, code_names
from ._gbrbm import GBRBMScoreMatching
from ._logging import progress_logger
from ._patch_pipeline import (
    check_pixel_values,
    encode_all,
    make_plan,
    model_filters,
    training_patches,
)
from ._patches import check_geometry
from ._typing import RandomStateLike
from ._validation import check_allocation, refuse_booleans, refuse_changes_since_fit
from .preprocessing import n_patch_positions

#: seconds between two progress lines of ``transform``
_PROGRESS_SECONDS = 10.0

#: parameters that shape what ``fit`` learns from and ``transform`` reads: a
#: change after fit would feed the fitted whitening and model patches of
#: another size or normalization
_FITTED_GEOMETRY = ("patch_size", "image_shape", "normalize")


class ConvolutionalFeaturizer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Learn patch features from images, then encode and pool every patch position.

    The single-layer pipeline of Coates, Lee & Ng (2011) as one scikit-learn
    transformer on raw flat images: ``fit`` draws ``n_patches`` random patches,
    normalizes each patch's brightness and contrast, whitens them and fits
    ``estimator`` on them; ``transform`` encodes the patch at every position
    (``stride`` apart) and sums the codes over the four quadrants of the image
    (``pooling="quadrant"``) or keeps every position (``pooling=None``).
    Images are processed in chunks bounded by scikit-learn's
    ``working_memory``; computations are in float32.

    Parameters
    ----------
    estimator : estimator object, default=None
        The patch model, fitted on the whitened patches: any transformer with
        ``encoding="transform"``, and any estimator that gives filters (see
        ``encoding``) with the relu and soft threshold. None means
        ``GBRBMScoreMatching()``.

    patch_size : int, default=6
        Side of the square patches.

    stride : int, default=1
        Step between encoded patch positions.

    image_shape : tuple of int, default=(3, 32, 32)
        ``(channels, height, width)`` of the flat, channel-first input rows.

    n_patches : int, default=400_000
        Number of random patches the estimator is fitted on.

    pooling : {"quadrant"} or None, default="quadrant"
        Sum the codes over each quadrant of the grid of positions (4 x
        features), or None to concatenate the codes of every position.

    normalize : bool, default=True
        Per-patch normalization ``(x - mean) / sqrt(var + 10)``, meant for
        pixel values in 0..255.

    whiten : bool or transformer, default=True
        True fits ``ZCAWhitening(eps=0.1)`` on the patches, False nothing; a
        transformer (e.g. ``PCA(n_components=..., whiten=True)``, which drops
        the null direction left by the normalization) is cloned and fitted.

    encoding : {"transform", "relu", "soft_threshold"}, default="soft_threshold"
        How a whitened patch ``x`` becomes features. "transform": the
        estimator's ``transform`` (for a skscore estimator, as its own
        ``encoding`` says; ``encoding="expectation"`` there gives the hidden
        expectations, the paper's choice); "relu": ``max(0, F x + c)``, the
        rectified inputs of the estimator's units; "soft_threshold":
        ``max(0, f.x - threshold)`` and ``max(0, -f.x - threshold)`` for every
        filter ``f`` (row of ``F``) scaled to unit norm (twice the features),
        Coates and Ng's encoder. The default: on 4,000 CIFAR-10 training images with a
        100-unit GBRBM it gave 49.2% test accuracy under a linear SVM, relu
        49.9% and the hidden expectations 39.0% (raw pixels 26.6%).

        The filters ``F`` (one row per unit) and intercepts ``c`` of the relu
        and soft threshold come from the first the fitted estimator has of:

        - a method ``input_filters()`` returning ``(F, c)``, arrays of shapes
          (n_units, n_features) and (n_units,): the affine map
          ``z = x @ F.T + c`` into its units' inputs. skscore's estimators
          have it, and any other estimator can implement it to serve here;
        - ``cluster_centers_`` (k-means centroids), with ``c = 0``;
        - ``components_`` (e.g. PCA's or NMF's), with ``c = 0``.

    threshold : float, default=0.25
        Threshold of ``encoding="soft_threshold"``.

    n_jobs : int, default=None
        Number of jobs encoding chunks of images in parallel with joblib
        (None means 1 unless in a :func:`joblib.parallel_config` context, such
        as ``parallel_config(backend="dask")`` to spread them over a cluster).

    random_state : int, RandomState instance or None, default=None
        Seeds the patch draw.

    verbose : int, default=0
        If positive, log the stages of ``fit`` and the progress of
        ``transform`` (images encoded, elapsed seconds) to the ``"skscore"``
        logger, printed to standard output where logging is not configured,
        and set the ``verbose`` of the fitted estimator when it has one.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted patch model.

    whitening_ : transformer or None
        The fitted whitening.

    n_features_in_ : int
        Number of values per image seen during ``fit``.

    See Also
    --------
    skscore.preprocessing.ZCAWhitening : The default whitening.

    References
    ----------
    .. [1] A. Coates, H. Lee and A. Y. Ng, "An Analysis of Single-Layer
       Networks in Unsupervised Feature Learning", AISTATS 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from skscore import ConvolutionalFeaturizer, GBRBMScoreMatching
    >>> images = np.random.default_rng(0).integers(0, 256, size=(20, 3 * 8 * 8))
    >>> featurizer = ConvolutionalFeaturizer(
    ...     GBRBMScoreMatching(n_components=5, max_iter=5),
    ...     patch_size=3, image_shape=(3, 8, 8), n_patches=500, random_state=0,
    ... )
    >>> featurizer.fit_transform(images).shape  # 2 x 5 codes x 4 quadrants
    (20, 40)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "transform"]), None],
        "patch_size": [Interval(Integral, 1, None, closed="left")],
        "stride": [Interval(Integral, 1, None, closed="left")],
        "image_shape": [tuple],
        "n_patches": [Interval(Integral, 2, None, closed="left")],
        "pooling": [StrOptions({"quadrant"}), None],
        "normalize": ["boolean"],
        "whiten": ["boolean", HasMethods(["fit", "transform"])],
        "encoding": [StrOptions({"transform", "relu", "soft_threshold"})],
        "threshold": [Interval(Real, 0, MAX_THRESHOLD, closed="both")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator: BaseEstimator | None = None,
        *,
        patch_size: int = 6,
        stride: int = 1,
        image_shape: tuple[int, int, int] = (3, 32, 32),
        n_patches: int = 400_000,
        pooling: str | None = "quadrant",
        normalize: bool = True,
        whiten: bool | BaseEstimator = True,
        encoding: str = "soft_threshold",
        threshold: float = 0.25,
        n_jobs: int | None = None,
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ):
        self.estimator = estimator
        self.patch_size = patch_size
        self.stride = stride
        self.image_shape = image_shape
        self.n_patches = n_patches
        self.pooling = pooling
        self.normalize = normalize
        self.whiten = whiten
        self.encoding = encoding
        self.threshold = threshold
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.array_api_support = True
        return tags

    def _validate_params(self):
        super()._validate_params()
        refuse_booleans(self)

    def _check_images(self, X, reset):
        X = validate_data(self, X, dtype=None, reset=reset)
        check_pixel_values(X)
        check_geometry(self.image_shape, self.patch_size)
        if X.shape[1] != np.prod(self.image_shape):
            raise ValueError(
                f"X has {X.shape[1]} values per row, but image_shape="
                f"{self.image_shape} needs (channels, height, width) with "
                f"{int(np.prod(self.image_shape))} values."
            )
        n_rows, n_cols = n_patch_positions(
            self.image_shape, self.patch_size, self.stride
        )
        if self.pooling == "quadrant" and min(n_rows, n_cols) < 2:
            raise ValueError(
                f"patch_size={self.patch_size} and stride={self.stride} leave a "
                f"{n_rows}x{n_cols} grid of patch positions on "
                f"{self.image_shape[1]}x{self.image_shape[2]} images, and quadrant "
                "pooling needs at least 2 positions along each side (else some "
                "quadrants are empty). Lower stride or patch_size, or set "
                "pooling=None."
            )
        return X

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: ArrayLike, y: None = None) -> ConvolutionalFeaturizer:
        """Fit the whitening and the patch model on random patches of X.

        Parameters
        ----------
        X : array-like of shape (n_images, channels * height * width)
            Flat channel-first images, e.g. CIFAR-10 rows with pixel values
            in 0..255.

        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted featurizer.
        """
        log = progress_logger(self.verbose)
        start = time.perf_counter()
        X, xp, where = input_namespace(X)
        X = self._check_images(X, reset=True)
        check_allocation(
            3 * 8 * self.n_patches * self.patch_size**2 * self.image_shape[0],
            f"n_patches={self.n_patches} patches of {self.patch_size}x"
            f"{self.patch_size}x{self.image_shape[0]} values",
            "Lower n_patches.",
        )
        self._fitted_geometry = {name: getattr(self, name) for name in _FITTED_GEOMETRY}
        # the codes are float32 in X's namespace, on its device
        self._space = ArraySpace(xp.__name__, where, np.dtype(np.float32))
        # patches drawn and whitened on the host; the model fits on X's device
        # if it supports the array API, else on the host
        patches, self.whitening_ = training_patches(self, to_numpy(X))
        estimator = GBRBMScoreMatching() if self.estimator is None else self.estimator
        estimator = clone(estimator)
        if self.verbose and "verbose" in estimator.get_params():
            estimator.set_params(verbose=self.verbose)
        log(
            f"Fitting {type(estimator).__name__} on {len(patches)} patches "
            f"({time.perf_counter() - start:.2f}s to draw and whiten them)"
        )
        if get_tags(estimator).array_api_support:
            patches = convert(patches, xp, where)
        self.estimator_ = estimator.fit(patches)
        if self.encoding != "transform":
            # an estimator without filters fails here
            model_filters(self.estimator_, self.encoding)
        log(f"Fitted in {time.perf_counter() - start:.2f}s")
        return self

    def _check_settings(self):
        """Validate the parameters again before ``transform`` reads them.

        ``set_params`` validates nothing. ``stride``, ``pooling``,
        ``encoding``, ``threshold`` and ``n_jobs`` apply to ``transform``
        and may change after fit; ``patch_size``, ``image_shape`` and
        ``normalize`` shaped the patches that the whitening and the model
        were fitted on, so a change is refused until the featurizer is
        fitted again.
        """
        self._validate_params()
        refuse_changes_since_fit(
            self,
            getattr(self, "_fitted_geometry", {}),
            "the featurizer",
            ", and the fitted whitening and model only take the patches of fit",
        )

    @fill_doc
    def get_feature_names_out(
        self, input_features: ArrayLike | None = None
    ) -> np.ndarray:
        """Names of the features of :meth:`transform`.

        Each name is ``convolutionalfeaturizer_``, then the code, then where
        it was pooled. The code is, for ``encoding="relu"`` and
        ``"soft_threshold"``, the unit of the estimator's filter (``unit3``;
        for the mPoT ``covariance5`` or ``mean2``; ``filter3`` for an
        estimator that does not name its units, as k-means or PCA, in the
        order of its filters), with the sign ``_pos`` or ``_neg`` of the soft
        threshold; for ``encoding="transform"``, the estimator's own feature
        name (``code3`` if it has none). The place is the quadrant of the
        image, ``_q0`` (top left), ``_q1`` (top right), ``_q2`` (bottom left)
        or ``_q3`` (bottom right), or with ``pooling=None`` the patch
        position, ``_row4_col7`` (from the top left, in steps of
        ``stride``). For example ``"convolutionalfeaturizer_unit12_pos_q3"``.

        %(feature_names_out)s
        """
        # the mixin validates input_features against feature_names_in_
        super().get_feature_names_out(input_features)
        codes = code_names(self.estimator_, self.encoding, self._fitted_plan().n_codes)
        if self.pooling == "quadrant":
            places = [f"q{quadrant}" for quadrant in range(4)]
        else:
            n_rows, n_cols = n_patch_positions(
                self.image_shape, self.patch_size, self.stride
            )
            places = [f"row{r}_col{c}" for r in range(n_rows) for c in range(n_cols)]
        prefix = type(self).__name__.lower()
        return np.asarray(
            [f"{prefix}_{code}_{place}" for place in places for code in codes],
            dtype=object,
        )

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Encode every patch position of each image and pool.

        Parameters
        ----------
        X : array-like of shape (n_images, channels * height * width)
            Flat channel-first images.

        Returns
        -------
        features : ndarray of shape (n_images, n_features_out), float32
            Quadrant sums of the codes (4 x codes per patch), or the codes of
            every position with ``pooling=None``.
        """
        check_is_fitted(self)
        self._check_settings()
        check_space(X, self._space, self, "transform")
        X, xp, where = input_namespace(X)
        X = self._check_images(X, reset=False)
        plan = make_plan(self, xp, where)
        log = progress_logger(self.verbose)
        return encode_all(X, plan, self.n_jobs, log, _PROGRESS_SECONDS)

    def _fitted_plan(self):
        """The plan of ``transform`` for data of the namespace that fit saw."""
        return make_plan(self, self._space.xp, self._space.device)

    @property
    def _n_features_out(self):
        """Number of features of ``transform``, read by the names' mixin."""
        return self._fitted_plan().n_features_out
