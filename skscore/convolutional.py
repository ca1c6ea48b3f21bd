"""Apply a patch featurizer over every patch position of images, and pool."""

from __future__ import annotations

import time
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from joblib import Parallel, delayed
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

from ._array_api import (
    check_same_namespace,
    convert,
    input_namespace,
    namespace,
    to_numpy,
)
from ._base import _MAX_THRESHOLD
from ._chunks import chunk_slices, map_chunks
from ._encoding import bound_row
from ._gbrbm import GBRBMScoreMatching
from ._logging import progress_logger
from ._typing import RandomStateLike
from ._validation import check_allocation, refuse_booleans
from .preprocessing import (
    ZCAWhitening,
    _check_geometry,
    _normalize_patches,
    _patch_windows,
    n_patch_positions,
    sample_patches,
)

#: seconds between two progress lines of ``transform``
_PROGRESS_SECONDS = 10.0

#: the largest pixel magnitude the float32 computations hold: a patch's sum
#: of squares stays finite for patches of up to 1e8 values
_MAX_PIXEL = 1e15

#: the smallest spread of pixel values they resolve: both its squares and its
#: steps in float32 (a relative precision of 6e-8, at the largest magnitude)
_MIN_SPREAD = 1e-15
_MIN_RELATIVE_SPREAD = 1e-5

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
        "threshold": [Interval(Real, 0, _MAX_THRESHOLD, closed="both")],
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
        _check_pixel_values(X)
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
        """Patches normalized and whitened as in ``fit``, in float32."""
        # a float32 copy that the normalization may overwrite
        patches = np.array(patches, dtype=np.float32)
        if self.normalize:
            patches = _normalize_patches(patches)
        if self.whitening_ is not None:
            patches = self.whitening_.transform(patches).astype(np.float32, copy=False)
        return patches

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
        # patches drawn and whitened on the host; the model fits on X's device
        # if it supports the array API, else on the host
        patches = self._training_patches(to_numpy(X))
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
        # a preprocessed patch of X's namespace: what transform accepts, and
        # what the estimator's transform tells the number of codes from
        patch = np.zeros((1, self.patch_size**2 * self.image_shape[0]))
        self._probe_patch = convert(self._preprocess(patch), xp, where)
        if self.encoding != "transform":
            self._filters()  # an estimator without filters fails here
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
        for name, fitted in getattr(self, "_fitted_geometry", {}).items():
            if getattr(self, name) != fitted:
                raise ValueError(
                    f"{name} is {getattr(self, name)!r}, but the featurizer was "
                    f"fitted with {name}={fitted!r}: {name} changed since fit, and "
                    "the fitted whitening and model only take the patches of fit. "
                    f"Call fit again, or set {name} back to {fitted!r}."
                )

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
        filters = to_numpy(filters).astype(np.float32)
        intercepts = to_numpy(intercepts).astype(np.float32)
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
        if self.encoding == "transform":
            return self._model_transform(self._probe_patch).shape[1]
        n_units = len(self._filters()[0])
        return 2 * n_units if self.encoding == "soft_threshold" else n_units

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

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only used to validate feature names with the names seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per column of :meth:`transform`'s output, in its order.
        """
        # the mixin validates input_features against feature_names_in_
        super().get_feature_names_out(input_features)
        if self.encoding == "transform":
            if hasattr(self.estimator_, "get_feature_names_out"):
                codes = list(self.estimator_.get_feature_names_out())
            else:
                codes = [f"code{index}" for index in range(self._n_codes)]
        else:
            unit_names = getattr(self.estimator_, "_unit_names", None)
            if unit_names is None:
                codes = [f"filter{index}" for index in range(len(self._filters()[0]))]
            else:
                codes = unit_names()
            if self.encoding == "soft_threshold":
                codes = [f"{code}_pos" for code in codes] + [
                    f"{code}_neg" for code in codes
                ]
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

    @property
    def _n_features_out(self):
        n_rows, n_cols = n_patch_positions(
            self.image_shape, self.patch_size, self.stride
        )
        return self._n_codes * (4 if self.pooling == "quadrant" else n_rows * n_cols)

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
        check_same_namespace(X, self._probe_patch, self, "transform")
        X, xp, where = input_namespace(X)
        X = self._check_images(X, reset=False)
        plan = self._plan()
        patch_floats = 2 * self.patch_size**2 * self.image_shape[0] + 2 * plan.n_codes
        if xp is not np:
            return self._transform_on_device(X, plan, patch_floats, xp, where)
        # chunks of whole images sized for the caches, so that the elementwise
        # passes (normalization, threshold, pooling) do not stream from main
        # memory
        batches = list(
            chunk_slices(len(X), np.prod(plan.grid) * patch_floats, np.float32)
        )
        out = np.empty((len(X), plan.n_features_out), dtype=np.float32)
        log = progress_logger(self.verbose)
        start = last = time.perf_counter()
        if self.n_jobs is None:
            # threads with a single-threaded BLAS, each writing its chunk into
            # out: the elementwise work runs on every core as the products do
            chunks = map_chunks(
                lambda batch: self._encode_images(X[batch], plan, out[batch]),
                batches,
            )
        else:
            chunks = Parallel(n_jobs=self.n_jobs, return_as="generator")(
                delayed(self._encode_images)(X[batch], plan) for batch in batches
            )
        for batch, codes in zip(batches, chunks, strict=True):
            if self.n_jobs is not None:
                out[batch] = codes
            now = time.perf_counter()
            # a line every _PROGRESS_SECONDS at most, and one at the end
            if now - last >= _PROGRESS_SECONDS or batch.stop == len(X):
                log(f"Encoded {batch.stop}/{len(X)} images, {now - start:.2f}s")
                last = now
        return out

    def _transform_on_device(self, X, plan, patch_floats, xp, where):
        """``transform`` for X of another namespace, computed on X's device.

        Chunks of images as large as ``working_memory`` allows, one after the
        other; the same features as the NumPy path up to float32 round-off.
        """
        plan = plan._replace(
            whitening=None
            if plan.whitening is None
            else convert(plan.whitening, xp, where),
            encoding=None
            if plan.encoding is None
            else convert(plan.encoding, xp, where),
        )
        out = xp.empty(
            (X.shape[0], plan.n_features_out), dtype=xp.float32, device=where
        )
        log = progress_logger(self.verbose)
        start = time.perf_counter()
        batches = chunk_slices(
            X.shape[0], np.prod(plan.grid) * patch_floats, np.float32, cache_sized=False
        )
        for batch in batches:
            out[batch, :] = self._encode_on_device(X[batch, :], plan, xp, where)
            seconds = time.perf_counter() - start
            log(f"Encoded {batch.stop}/{X.shape[0]} images, {seconds:.2f}s")
        return out

    def _encode_on_device(self, images, plan, xp, where):
        """Features of a chunk of images of namespace ``xp``, on its device."""
        n_images = images.shape[0]
        images = xp.reshape(
            xp.astype(images, xp.float32), (n_images, *self.image_shape)
        )
        patches = _device_patches(images, self.patch_size, self.stride, plan.grid, xp)
        if self.normalize:
            patches -= xp.mean(patches, axis=1, keepdims=True)
            variance = xp.sum(patches * patches, axis=1, keepdims=True)
            patches /= xp.sqrt(variance / patches.shape[1] + 10.0)
        if plan.encoding is None or not (
            self.whitening_ is None or isinstance(self.whitening_, ZCAWhitening)
        ):
            patches = self._whitened_on_device(patches, plan, xp, where)
        if plan.encoding is None:
            codes = convert(self._model_transform(patches), xp, where, xp.float32)
        else:
            # [x, 1] @ encoding, with x the (normalized, if not ZCA: whitened) patch
            inputs = patches @ plan.encoding[:-1, :] + plan.encoding[-1, :]
            codes = xp.clip(inputs, min=0.0)
            if self.encoding == "soft_threshold":
                # inputs z = f.w - t: the negative part is max(-2t - z, 0)
                negative = xp.clip(-2 * self.threshold - inputs, min=0.0)
                codes = xp.concat([codes, negative], axis=1)
        if self.pooling is None:
            return xp.reshape(codes, (n_images, -1))
        n_rows, n_cols = plan.grid
        codes = xp.reshape(codes, (n_images, n_rows, n_cols, codes.shape[1]))
        rows, cols = n_rows // 2, n_cols // 2
        sums = [
            xp.sum(codes[:, r0:r1, c0:c1, :], axis=(1, 2))
            for r0, r1 in ((0, rows), (rows, n_rows))
            for c0, c1 in ((0, cols), (cols, n_cols))
        ]
        return xp.reshape(xp.stack(sums, axis=1), (n_images, -1))

    def _model_transform(self, patches):
        """``estimator_.transform`` of whitened patches of any namespace.

        An estimator without array API support gets a host copy.
        """
        if not get_tags(self.estimator_).array_api_support:
            patches = to_numpy(patches)
        return self.estimator_.transform(patches)

    def _whitened_on_device(self, patches, plan, xp, where):
        """Patches whitened by ``whitening_``: ``[x, 1] @ whitening`` for ZCA.

        Another whitening transformer runs on a host copy.
        """
        if self.whitening_ is None:
            return patches
        if plan.whitening is not None:
            ones = xp.ones((patches.shape[0], 1), dtype=xp.float32, device=where)
            return xp.concat([patches, ones], axis=1) @ plan.whitening
        white = self.whitening_.transform(to_numpy(patches))
        return convert(white, xp, where, xp.float32)

    def _plan(self):
        """What every chunk of ``transform`` uses, computed once per call.

        Patches are float32 rows ``[x, 1]``, so that one product
        ``[x, 1] @ map`` applies an affine map to ``x``. ``whitening`` is
        ``ZCAWhitening``'s ``(x - mean_) @ whitening_`` for
        ``encoding="transform"``, else None. ``encoding`` (None for
        ``encoding="transform"``) gives the inputs of the relu, ``F w + c``,
        or of the soft threshold, ``f.w - threshold`` for every filter ``f``
        scaled to unit norm, from the whitened patch ``w``; a ZCA whitening is
        composed into it, so that one product whitens and encodes.
        """
        grid = n_patch_positions(self.image_shape, self.patch_size, self.stride)
        plan = _Plan(None, None, grid, self._n_codes, self._n_features_out)
        whitening = None
        if isinstance(self.whitening_, ZCAWhitening):
            matrix = self.whitening_.whitening_
            whitening = np.vstack([matrix, -self.whitening_.mean_ @ matrix])
        if self.encoding == "transform":
            if whitening is None:
                return plan
            return plan._replace(whitening=whitening.astype(np.float32))
        filters, intercepts = self._filters()
        if self.encoding == "soft_threshold":
            filters = filters / np.linalg.norm(filters, axis=1, keepdims=True)
            intercepts = np.full(len(filters), -self.threshold)
        encoding = np.vstack([filters.T, intercepts]).astype(np.float64)
        if whitening is not None:
            composed = whitening @ encoding[:-1]
            composed[-1] += encoding[-1]
            encoding = composed
        return plan._replace(encoding=encoding.astype(np.float32))

    def _encode_images(self, images, plan, out=None):
        """Features of a chunk of images, into ``out`` (a new array if None)."""
        if out is None:
            out = np.empty((len(images), plan.n_features_out), dtype=np.float32)
        patches = self._normalized_patches(images)
        encoding = plan.encoding
        if encoding is None:
            if plan.whitening is not None:
                patches = patches @ plan.whitening
            else:
                patches = self._whitened(patches)
            codes = np.asarray(self.estimator_.transform(patches), dtype=np.float32)
            if self.pooling is None:
                out.reshape(codes.shape)[:] = codes
            else:
                _quadrant_sums(codes, plan.grid, out)
            return out
        n_units = encoding.shape[1]
        if self.pooling is None:
            # the codes of every position, [positive, negative] parts for the
            # soft threshold: the unit inputs go to the last n_units columns
            codes = out.reshape(len(patches), -1)
            inputs = codes[:, -n_units:]
        else:
            inputs = np.empty((len(patches), n_units), dtype=np.float32)
        if self.whitening_ is None or isinstance(self.whitening_, ZCAWhitening):
            np.matmul(patches, encoding, out=inputs)
        else:
            np.matmul(self._whitened(patches), encoding[:-1], out=inputs)
            inputs += encoding[-1]
        zeros = bound_row(0, inputs)
        if self.encoding == "relu":
            np.maximum(inputs, zeros, out=inputs)
            if self.pooling is not None:
                _quadrant_sums(inputs, plan.grid, out)
            return out
        # inputs z = f.w - t: the positive part is max(z, 0), the negative
        # part max(-f.w - t, 0) = max(-2t - z, 0)
        shift = -2 * self.threshold
        if self.pooling is None:
            np.maximum(inputs, zeros, out=codes[:, :n_units])
            np.subtract(shift, inputs, out=inputs)
            np.maximum(inputs, zeros, out=inputs)
            return out
        sums = out.reshape(len(images), 4, 2 * n_units)
        _quadrant_sums(np.maximum(inputs, zeros), plan.grid, sums[:, :, :n_units])
        # sum(max(-2t - z, 0)) = n (-2t) - sum(min(z, -2t)): one pass less
        np.minimum(inputs, bound_row(shift, inputs), out=inputs)
        negative = sums[:, :, n_units:]
        _quadrant_sums(inputs, plan.grid, negative)
        n_positions = _quadrant_sizes(plan.grid)[:, None]
        np.subtract(shift * n_positions, negative, out=negative)
        # the difference can round to slightly below 0
        np.maximum(negative, zeros, out=negative)
        return out

    def _normalized_patches(self, images):
        """Float32 rows ``[x, 1]`` for every patch ``x`` of images, normalized."""
        windows = _patch_windows(
            images.reshape(-1, *self.image_shape), self.patch_size, self.stride
        )
        n_patches = np.prod(windows.shape[:3])
        patches = np.empty((n_patches, windows[0, 0, 0].size + 1), dtype=np.float32)
        patches[:, -1] = 1
        # a reshape that only splits axes: a view of the patch columns
        np.copyto(patches[:, :-1].reshape(windows.shape), windows, casting="unsafe")
        if self.normalize:
            _normalize_patches(patches[:, :-1])
        return patches

    def _whitened(self, patches):
        """The patches of rows ``[x, 1]`` whitened by ``whitening_``, if any."""
        if self.whitening_ is None:
            return patches[:, :-1]
        white = self.whitening_.transform(patches[:, :-1])
        return white.astype(np.float32, copy=False)


def _check_pixel_values(X):
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


class _Plan(NamedTuple):
    """The affine maps and shapes of ``ConvolutionalFeaturizer.transform``."""

    whitening: np.ndarray | None
    encoding: np.ndarray | None
    grid: tuple  # (rows, columns) of patch positions
    n_codes: int
    n_features_out: int


def _quadrant_sizes(grid):
    """Number of patch positions in each quadrant, in the order of the features."""
    n_rows, n_cols = grid
    rows, cols = n_rows // 2, n_cols // 2
    return np.outer([rows, n_rows - rows], [cols, n_cols - cols]).ravel()


def _quadrant_sums(codes, grid, out):
    """Sum codes (images x positions, codes) over each quadrant of the grid.

    ``out`` is of shape (images, 4 * codes) or (images, 4, codes).
    """
    n_rows, n_cols = grid
    codes = codes.reshape(-1, n_rows, n_cols, codes.shape[1])
    out = out.reshape(len(codes), 4, codes.shape[-1])
    rows, cols = n_rows // 2, n_cols // 2
    for quadrant, (bottom, right) in enumerate(np.ndindex(2, 2)):
        block = codes[:, rows:] if bottom else codes[:, :rows]
        block = block[:, :, cols:] if right else block[:, :, :cols]
        block.sum(axis=(1, 2), out=out[:, quadrant])


def _device_patches(images, patch_size, stride, grid, xp):
    """Every patch of images (n, C, H, W) of namespace ``xp``: (n * positions, D).

    Rows in the order of :func:`~skscore.preprocessing.extract_patches`: the
    positions of each image row by row, each patch flattened channel first.
    """
    n_rows, n_cols = grid
    n_images, n_channels = images.shape[:2]
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
