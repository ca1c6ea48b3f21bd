import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from tolerances import featurizer_atol

from skscore import ConvolutionalFeaturizer, GBRBMScoreMatching, MPoTAutoencoder
from skscore.datasets import load_cifar10
from skscore.preprocessing import (
    ZCAWhitening,
    extract_patches,
    normalize_patches,
    sample_patches,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def cifar(cifar10_npz_home):
    """500 training and 100 test images of a generated CIFAR-10 look-alike."""
    X_train, y_train = load_cifar10(
        "train", data_home=cifar10_npz_home, return_X_y=True
    )
    X_test, y_test = load_cifar10("test", data_home=cifar10_npz_home, return_X_y=True)
    return X_train, y_train, X_test, y_test


def test_patch_extraction_matches_loops():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(2, 3 * 7 * 6), dtype=np.uint8)
    patches = extract_patches(images, (3, 7, 6), patch_size=3, stride=2)
    cube = images.reshape(2, 3, 7, 6)
    expected = [
        cube[n, :, r : r + 3, c : c + 3].ravel()
        for n in range(2)
        for r in range(0, 5, 2)
        for c in range(0, 4, 2)
    ]
    np.testing.assert_array_equal(patches, expected)
    sampled = sample_patches(images, 50, (3, 7, 6), patch_size=3, random_state=0)
    every = {p.tobytes() for p in extract_patches(images, (3, 7, 6), patch_size=3)}
    assert all(p.tobytes() in every for p in sampled)


def test_normalization_and_zca():
    rng = np.random.default_rng(2)
    patches = rng.integers(0, 256, size=(500, 12)).astype(np.float32)
    normalized = normalize_patches(patches)
    assert normalized.dtype == np.float32
    np.testing.assert_allclose(normalized.mean(axis=1), 0, atol=1e-4)
    np.testing.assert_allclose(
        normalized.var(axis=1),
        patches.var(axis=1) / (patches.var(axis=1) + 10),
        rtol=1e-4,
    )
    X = rng.normal(size=(2000, 4)) @ rng.normal(size=(4, 4))
    zca = ZCAWhitening(eps=0.0).fit(X)
    np.testing.assert_allclose(
        np.cov(zca.transform(X), rowvar=False, bias=True), np.eye(4), atol=1e-8
    )
    np.testing.assert_allclose(
        zca.whitening_, zca.whitening_.T
    )  # zero phase: symmetric
    damped = ZCAWhitening(eps=1.0).fit(X)
    variances = np.linalg.eigvalsh(np.cov(damped.transform(X), rowvar=False, bias=True))
    lam = np.sort(damped.explained_variance_)
    np.testing.assert_allclose(variances, lam / (lam + 1), rtol=1e-6)
    assert zca.transform(X.astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="eps > 0"):
        ZCAWhitening(eps=0.0).fit(normalize_patches(X))


def test_featurizer_chunks_do_not_change_features(cifar):
    from sklearn import config_context

    X = cifar[0][:20]
    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(n_components=4, max_iter=5, random_state=0),
        n_patches=1000,
        random_state=0,
    ).fit(X)
    whole = featurizer.transform(X)
    with config_context(working_memory=0.5):  # a few images per chunk
        chunked = featurizer.transform(X)
    # the chunks change only the rounding (BLAS blocking, the alignment of
    # NumPy's SIMD sums): float32 errors of sums of up to 196 positions of
    # 109-term products, relative to the size of their terms (tolerances.py)
    np.testing.assert_allclose(
        chunked, whole, rtol=0, atol=featurizer_atol(featurizer, X)
    )


def test_featurizer_with_mpot_and_pca_whitening(cifar):
    X = cifar[0][:100]
    featurizer = ConvolutionalFeaturizer(
        MPoTAutoencoder(n_covariance=4, n_mean=3, max_iter=5, random_state=0),
        whiten=PCA(n_components=100, whiten=True),
        stride=4,
        n_patches=2000,
        random_state=0,
    ).fit(X)
    assert featurizer.whitening_.n_components_ == 100
    assert featurizer.transform(X[:2]).shape == (2, 56)


def test_featurizer_bad_input(cifar):
    with pytest.raises(ValueError, match="image_shape"):
        ConvolutionalFeaturizer(n_patches=10, random_state=0).fit(np.zeros((5, 100)))
    with pytest.raises(ValueError, match="larger than the images"):
        ConvolutionalFeaturizer(
            patch_size=9, image_shape=(1, 8, 8), random_state=0
        ).fit(np.zeros((5, 64)))
    featurizer = ConvolutionalFeaturizer(
        GBRBMScoreMatching(n_components=2, max_iter=2, random_state=0),
        n_patches=100,
        random_state=0,
    ).fit(cifar[0][:10])
    with pytest.raises(ValueError, match="features"):
        featurizer.transform(cifar[0][:2, :100])


@pytest.mark.slow  # a minute of CPU on 1,500 real images
def test_thousand_image_pipeline_beats_raw_pixels(real_cifar10_home):
    # on CIFAR-10 itself: the point is the gain on natural images
    X_train, y_train = load_cifar10(
        "train", data_home=real_cifar10_home, return_X_y=True
    )
    X_test, y_test = load_cifar10("test", data_home=real_cifar10_home, return_X_y=True)
    X_train, y_train = X_train[:1000], y_train[:1000]
    X_test, y_test = X_test[:500], y_test[:500]
    raw = Pipeline(
        [("scale", StandardScaler()), ("svm", LinearSVC(C=0.001, random_state=0))]
    )
    raw_accuracy = raw.fit(X_train, y_train).score(X_test, y_test)
    learned = Pipeline(
        [
            (
                "feat",
                ConvolutionalFeaturizer(
                    GBRBMScoreMatching(n_components=50, max_iter=100, random_state=0),
                    encoding="soft_threshold",
                    stride=2,
                    n_patches=20_000,
                    random_state=0,
                ),
            ),
            ("scale", StandardScaler()),
            ("svm", LinearSVC(C=0.001, random_state=0)),
        ]
    )
    accuracy = learned.fit(X_train, y_train).score(X_test, y_test)
    assert accuracy > raw_accuracy + 0.03, (accuracy, raw_accuracy)
