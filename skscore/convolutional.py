"""Apply a patch featurizer over every patch position of images, and pool."""

import time
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._chunks import chunk_slices, map_chunks
from ._encoding import relu, soft_threshold
from ._gbrbm import GBRBMScoreMatching
from ._logging import progress_logger
from .preprocessing import (
    ZCAWhitening,
    _check_geometry,
    _normalize_patches,
    extract_patches,
    n_patch_positions,
    sample_patches,
)

#: seconds between two progress lines of ``transform``
_PROGRESS_SECONDS = 10.0


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
        "threshold": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        patch_size=6,
        stride=1,
        image_shape=(3, 32, 32),
        n_patches=400_000,
        pooling="quadrant",
        normalize=True,
        whiten=True,
        encoding="soft_threshold",
        threshold=0.25,
        n_jobs=None,
        random_state=None,
        verbose=0,
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

    def _check_images(self, X, reset):
        X = validate_data(self, X, dtype=None, reset=reset)
        _check_geometry(self.image_shape, self.patch_size)
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

    def _preprocess(self, patches):
        # a float32 copy that the normalization may overwrite
        patches = np.array(patches, dtype=np.float32)
        if self.normalize:
            patches = _normalize_patches(patches)
        if self.whitening_ is not None:
            patches = self.whitening_.transform(patches).astype(np.float32, copy=False)
        return patches

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
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
        patches = self._training_patches(self._check_images(X, reset=True))
        estimator = GBRBMScoreMatching() if self.estimator is None else self.estimator
        estimator = clone(estimator)
        if self.verbose and "verbose" in estimator.get_params():
            estimator.set_params(verbose=self.verbose)
        log(
            f"Fitting {type(estimator).__name__} on {len(patches)} patches "
            f"({time.perf_counter() - start:.2f}s to draw and whiten them)"
        )
        self.estimator_ = estimator.fit(patches)
        if self.encoding != "transform":
            self._filters()  # an estimator without filters fails here
        log(f"Fitted in {time.perf_counter() - start:.2f}s")
        return self

    def _filters(self):
        """Filters and intercepts of ``estimator_`` for the relu and soft threshold.

        From, in order, its ``input_filters()``, its ``cluster_centers_`` or
        its ``components_`` (these two with zero intercepts); see the
        ``encoding`` parameter.
        """
        if hasattr(self.estimator_, "input_filters"):
            filters, intercepts = self.estimator_.input_filters()
        else:
            filters = getattr(self.estimator_, "cluster_centers_", None)
            if filters is None:
                filters = getattr(self.estimator_, "components_", None)
            if filters is None:
                raise ValueError(
                    f"encoding={self.encoding!r} needs filters, which "
                    f"{type(self.estimator_).__name__} does not give: it has no "
                    "input_filters() method, cluster_centers_ or components_. "
                    "Use encoding='transform' to encode with its transform."
                )
            intercepts = np.zeros(len(filters))
        filters = np.asarray(filters, dtype=np.float32)
        intercepts = np.asarray(intercepts, dtype=np.float32)
        if filters.ndim != 2 or intercepts.shape != filters.shape[:1]:
            raise ValueError(
                f"{type(self.estimator_).__name__} gave filters of shape "
                f"{filters.shape} and intercepts of shape {intercepts.shape}; "
                "expected (n_units, n_features) and (n_units,)."
            )
        return filters, intercepts

    @property
    def _n_codes(self):
        """Number of codes per patch position."""
        patch = np.zeros((1, self.patch_size**2 * self.image_shape[0]), np.float32)
        return self._encode(self._preprocess(patch)).shape[1]

    def _training_patches(self, X):
        """Random patches of X, normalized and whitened; fits ``whitening_``."""
        patches = sample_patches(
            X, self.n_patches, self.image_shape, self.patch_size, self.random_state
        ).astype(np.float32)
        if self.normalize:
            patches = _normalize_patches(patches)
        if self.whiten is True:
            self.whitening_ = ZCAWhitening(eps=0.1)
        else:
            self.whitening_ = clone(self.whiten) if self.whiten else None
        if self.whitening_ is not None:
            patches = self.whitening_.fit_transform(patches).astype(
                np.float32, copy=False
            )
        return patches

    def _encode(self, patches):
        if self.encoding == "transform":
            return np.asarray(self.estimator_.transform(patches), dtype=np.float32)
        filters, bias = self._filters()
        if self.encoding == "relu":
            return relu(patches, filters, bias)
        return soft_threshold(patches, filters, self.threshold)

    @property
    def _n_features_out(self):
        n_rows, n_cols = n_patch_positions(
            self.image_shape, self.patch_size, self.stride
        )
        return self._n_codes * (4 if self.pooling == "quadrant" else n_rows * n_cols)

    def transform(self, X):
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
        X = self._check_images(X, reset=False)
        n_rows, n_cols = n_patch_positions(
            self.image_shape, self.patch_size, self.stride
        )
        n_codes = self._n_codes
        patch_floats = 2 * self.patch_size**2 * self.image_shape[0] + 2 * n_codes
        # chunks of whole images sized for the caches, so that the elementwise
        # passes (normalization, threshold) do not stream from main memory
        batches = list(chunk_slices(len(X), n_rows * n_cols * patch_floats, np.float32))
        out = np.empty((len(X), self._n_features_out), dtype=np.float32)
        log = progress_logger(self.verbose)
        start = last = time.perf_counter()
        pooling = self._pooling_matrix(n_rows, n_cols)
        tasks = [(X[batch], pooling, n_codes) for batch in batches]
        if self.n_jobs is None:
            # threads with a single-threaded BLAS: the elementwise work runs
            # on every core as the products do
            chunks = map_chunks(self._transform_chunk, tasks)
        else:
            chunks = Parallel(n_jobs=self.n_jobs, return_as="generator")(
                delayed(self._transform_chunk)(task) for task in tasks
            )
        for batch, codes in zip(batches, chunks, strict=True):
            out[batch] = codes
            now = time.perf_counter()
            # a line every _PROGRESS_SECONDS at most, and one at the end
            if now - last >= _PROGRESS_SECONDS or batch.stop == len(X):
                log(f"Encoded {batch.stop}/{len(X)} images, {now - start:.2f}s")
                last = now
        return out

    def _pooling_matrix(self, n_rows, n_cols):
        """The 0/1 matrix summing the codes of each quadrant, or None."""
        if self.pooling is None:
            return None
        rows, cols = np.divmod(np.arange(n_rows * n_cols), n_cols)
        quadrant = 2 * (rows >= n_rows // 2) + (cols >= n_cols // 2)
        return (quadrant == np.arange(4)[:, None]).astype(np.float32)

    def _transform_chunk(self, task):
        images, pooling, n_codes = task
        patches = extract_patches(
            images, self.image_shape, self.patch_size, self.stride
        )
        codes = self._encode(self._preprocess(patches))
        codes = codes.reshape(len(images), -1, n_codes)
        if pooling is None:
            return codes.reshape(len(images), -1)
        # quadrant sums as one product per image: (4 x positions) @ codes
        return np.matmul(pooling, codes).reshape(len(images), -1)
