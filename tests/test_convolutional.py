"""ConvolutionalFeaturizer: the filters protocol and the encodings' values."""

import pickle

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data
from tolerances import featurizer_atol

from skscore import ConvolutionalFeaturizer, DenoisingSMTransformer, GBRBMScoreMatching
from skscore._array_api import namespace, to_numpy
from skscore.preprocessing import extract_patches, n_patch_positions, normalize_patches

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

COMMON = {"patch_size": 3, "image_shape": (3, 8, 8), "n_patches": 300}


class RandomFilters(TransformerMixin, BaseEstimator):
    """A third-party patch model: random filters given by ``input_filters()``."""

    def __init__(self, n_filters=4, random_state=None):
        self.n_filters = n_filters
        self.random_state = random_state

    def fit(self, X, y=None):
        X = validate_data(self, X)
        rng = check_random_state(self.random_state)
        self.filters_ = rng.normal(size=(self.n_filters, X.shape[1]))
        self.intercepts_ = rng.normal(size=self.n_filters)
        return self

    def transform(self, X):
        return validate_data(self, X, reset=False) @ self.filters_.T

    def input_filters(self):
        return self.filters_, self.intercepts_


def _reference(featurizer, images):
    """The featurizer's output computed plainly in float64, one image at a time.

    The relu and soft threshold use ``estimator_.input_filters()``, else its
    ``cluster_centers_`` or ``components_``.
    """
    estimator = featurizer.estimator_
    if hasattr(estimator, "input_filters"):
        filters, intercepts = estimator.input_filters()
    else:
        filters = getattr(estimator, "cluster_centers_", None)
        if filters is None:
            filters = estimator.components_
        intercepts = np.zeros(len(filters))
    geometry = featurizer.image_shape, featurizer.patch_size, featurizer.stride
    n_rows, n_cols = n_patch_positions(*geometry)
    out = []
    for image in np.asarray(images, dtype=np.float64):
        patches = extract_patches(image[None], *geometry)
        if featurizer.normalize:
            patches = normalize_patches(patches)
        if featurizer.whitening_ is not None:
            patches = featurizer.whitening_.transform(patches)
        if featurizer.encoding == "transform":
            codes = estimator.transform(patches)
        elif featurizer.encoding == "relu":
            codes = np.maximum(0, patches @ filters.T + intercepts)
        else:
            unit = filters / np.linalg.norm(filters, axis=1, keepdims=True)
            projections = patches @ unit.T
            t = featurizer.threshold
            codes = np.hstack(
                [np.maximum(0, projections - t), np.maximum(0, -projections - t)]
            )
        grid = codes.reshape(n_rows, n_cols, -1)
        if featurizer.pooling is None:
            out.append(grid.ravel())
            continue
        r, c = n_rows // 2, n_cols // 2
        quadrants = [grid[:r, :c], grid[:r, c:], grid[r:, :c], grid[r:, c:]]
        out.append(np.concatenate([q.sum(axis=(0, 1)) for q in quadrants]))
    return np.array(out)


def _assert_matches_reference(featurizer, images, features=None):
    """``features`` (by default ``featurizer.transform(images)``) are the plain ones."""
    if features is None:
        features = featurizer.transform(images)
    features = to_numpy(features)
    assert features.dtype == np.float32
    assert features.shape == (len(images), len(featurizer.get_feature_names_out()))
    expected = _reference(featurizer, images)
    # float32 round-off, from the size of the sums behind each feature
    atol = featurizer_atol(featurizer, images)
    np.testing.assert_allclose(features, expected, rtol=0, atol=atol)


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).integers(0, 256, (12, 3 * 8 * 8))


PIPELINES = [
    pytest.param(True, True, id="zca"),
    pytest.param(False, True, id="no-whitening"),
    pytest.param(PCA(20, whiten=True), True, id="pca"),
    pytest.param(True, False, id="zca-unnormalized"),
]


@pytest.mark.parametrize("pooling", ["quadrant", None])
@pytest.mark.parametrize("encoding", ["transform", "relu", "soft_threshold"])
@pytest.mark.parametrize("whiten, normalize", PIPELINES)
def test_features_match_a_plain_computation(
    images, whiten, normalize, encoding, pooling
):
    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(5, max_iter=5, random_state=0),
        whiten=whiten,
        normalize=normalize,
        encoding=encoding,
        pooling=pooling,
        random_state=0,
        **COMMON,
    ).fit(images)
    n_codes = 5 if encoding == "relu" else 10
    assert featurizer.transform(images).shape == (12, n_codes * (4 if pooling else 36))
    _assert_matches_reference(featurizer, images)


@pytest.mark.parametrize("pooling", ["quadrant", None])
@pytest.mark.parametrize("encoding", ["transform", "relu", "soft_threshold"])
@pytest.mark.parametrize("whiten, normalize", PIPELINES)
def test_other_namespaces_take_the_same_pipeline(
    images, whiten, normalize, encoding, pooling
):
    """Images of array_api_strict get the plain computation's features, in kind.

    The patch model has no array API support: it fits and encodes (for
    ``encoding="transform"``) on the host, its filters map on the device.
    """
    xp = pytest.importorskip("array_api_strict")
    featurizer = ConvolutionalFeaturizer(
        RandomFilters(5, random_state=0),
        whiten=whiten,
        normalize=normalize,
        encoding=encoding,
        pooling=pooling,
        random_state=0,
        **COMMON,
    )
    with config_context(array_api_dispatch=True):
        X = xp.asarray(images.astype(np.float32))
        features = featurizer.fit(X).transform(X)
    assert namespace(features) is xp and features.dtype == xp.float32
    _assert_matches_reference(featurizer, images, features)


def test_the_fitted_namespace_survives_pickling(images):
    """The record of fit's namespace pickles (a namespace, a module, does not)."""
    torch = pytest.importorskip("torch")
    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(3, max_iter=3, random_state=0), random_state=0, **COMMON
    )
    X = torch.asarray(images.astype(np.float32))
    with config_context(array_api_dispatch=True):
        features = featurizer.fit(X).transform(X)
        again = pickle.loads(pickle.dumps(featurizer))
        assert torch.equal(again.transform(X), features)
        assert again.get_feature_names_out().shape == (features.shape[1],)
        with pytest.raises(ValueError, match=r"transform\(\) must use the same"):
            again.transform(images)
    # without dispatch everything is NumPy, fitted on tensors or not
    atol = featurizer_atol(featurizer, images)
    np.testing.assert_allclose(again.transform(images), features.numpy(), atol=atol)


@pytest.mark.parametrize("pooling", ["quadrant", None])
@pytest.mark.parametrize("encoding", ["relu", "soft_threshold"])
def test_third_party_estimator_gives_filters_through_input_filters(
    images, encoding, pooling
):
    featurizer = ConvolutionalFeaturizer(
        RandomFilters(random_state=0),
        encoding=encoding,
        pooling=pooling,
        random_state=0,
        **COMMON,
    ).fit(images)
    n_codes = 4 if encoding == "relu" else 8
    assert featurizer.transform(images).shape == (12, n_codes * (4 if pooling else 36))
    _assert_matches_reference(featurizer, images)


@pytest.mark.parametrize("encoding", ["relu", "soft_threshold"])
def test_the_meta_estimator_gives_its_estimators_filters(images, encoding):
    dsm = DenoisingSMTransformer(GBRBMScoreMatching(5, max_iter=5), random_state=0)
    featurizer = ConvolutionalFeaturizer(
        dsm, encoding=encoding, stride=2, random_state=0, **COMMON
    ).fit(images)
    _assert_matches_reference(featurizer, images)


@pytest.mark.parametrize("encoding", ["relu", "soft_threshold"])
def test_centroids_and_components_are_filters_with_zero_intercepts(images, encoding):
    for estimator in (MiniBatchKMeans(3, n_init=1, random_state=0), PCA(3)):
        featurizer = ConvolutionalFeaturizer(
            estimator, encoding=encoding, random_state=0, **COMMON
        ).fit(images)
        assert featurizer.transform(images).shape == (
            12,
            4 * (6 if encoding == "soft_threshold" else 3),
        )
        _assert_matches_reference(featurizer, images)


def test_threads_chunks_and_jobs_give_the_same_features(images):
    from joblib import parallel_config
    from threadpoolctl import threadpool_limits

    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(5, max_iter=5, random_state=0), random_state=0, **COMMON
    ).fit(images)
    whole = featurizer.transform(images)
    # they change only the rounding of the same float32 sums (tolerances.py)
    atol = featurizer_atol(featurizer, images)
    with config_context(working_memory=0.01):  # one image per chunk
        np.testing.assert_allclose(featurizer.transform(images), whole, atol=atol)
        with threadpool_limits(1):
            np.testing.assert_allclose(featurizer.transform(images), whole, atol=atol)
        with parallel_config(backend="threading"):
            featurizer.set_params(n_jobs=2)
            np.testing.assert_allclose(featurizer.transform(images), whole, atol=atol)


class _BadFilters(RandomFilters):
    def input_filters(self):
        return self.filters_, self.intercepts_[:-1]


def test_estimators_without_filters_or_with_bad_ones_are_refused(images):
    from sklearn.preprocessing import FunctionTransformer

    with pytest.raises(ValueError, match="no input_filters.*encoding='transform'"):
        ConvolutionalFeaturizer(FunctionTransformer(), **COMMON).fit(images)
    with pytest.raises(ValueError, match=r"intercepts of shape \(3,\)"):
        ConvolutionalFeaturizer(_BadFilters(), **COMMON).fit(images)
    # the transform encoding needs no filters
    featurizer = ConvolutionalFeaturizer(
        FunctionTransformer(), encoding="transform", **COMMON
    )
    assert featurizer.fit_transform(images).shape == (12, 4 * 27)
