"""ConvolutionalFeaturizer: the filters protocol and the encodings' values."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from skscore import ConvolutionalFeaturizer, DenoisingSMTransformer, GBRBMScoreMatching
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


def _reference(featurizer, images, filters, intercepts):
    """The featurizer's output computed plainly in float64, one image at a time."""
    geometry = featurizer.image_shape, featurizer.patch_size, featurizer.stride
    n_rows, n_cols = n_patch_positions(*geometry)
    out = []
    for image in np.asarray(images, dtype=np.float64):
        patches = extract_patches(image[None], *geometry)
        white = featurizer.whitening_.transform(normalize_patches(patches))
        if featurizer.encoding == "relu":
            codes = np.maximum(0, white @ filters.T + intercepts)
        else:
            unit = filters / np.linalg.norm(filters, axis=1, keepdims=True)
            projections = white @ unit.T
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


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).integers(0, 256, (12, 3 * 8 * 8))


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
    features = featurizer.transform(images)
    n_codes = 4 if encoding == "relu" else 8
    assert features.shape == (12, n_codes * (4 if pooling else 36))
    assert features.dtype == np.float32
    filters, intercepts = featurizer.estimator_.input_filters()
    expected = _reference(featurizer, images, filters, intercepts)
    np.testing.assert_allclose(features, expected, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("encoding", ["relu", "soft_threshold"])
@pytest.mark.parametrize(
    "estimator",
    [
        GBRBMScoreMatching(5, max_iter=5, random_state=0),
        DenoisingSMTransformer(GBRBMScoreMatching(5, max_iter=5), random_state=0),
    ],
    ids=["GBRBMScoreMatching", "DenoisingSMTransformer"],
)
def test_skscore_estimators_give_their_input_filters(images, estimator, encoding):
    featurizer = ConvolutionalFeaturizer(
        estimator, encoding=encoding, stride=2, random_state=0, **COMMON
    ).fit(images)
    filters, intercepts = featurizer.estimator_.input_filters()
    np.testing.assert_allclose(
        featurizer.transform(images),
        _reference(featurizer, images, filters, intercepts),
        rtol=1e-4,
        atol=1e-3,
    )


@pytest.mark.parametrize("encoding", ["relu", "soft_threshold"])
def test_centroids_and_components_are_filters_with_zero_intercepts(images, encoding):
    kmeans = MiniBatchKMeans(3, n_init=1, random_state=0)
    for estimator, attribute in ((kmeans, "cluster_centers_"), (PCA(3), "components_")):
        featurizer = ConvolutionalFeaturizer(
            estimator, encoding=encoding, random_state=0, **COMMON
        ).fit(images)
        filters = getattr(featurizer.estimator_, attribute)
        np.testing.assert_allclose(
            featurizer.transform(images),
            _reference(featurizer, images, filters, np.zeros(3)),
            rtol=1e-4,
            atol=1e-3,
        )


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
