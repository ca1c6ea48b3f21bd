"""The CIFAR-10 benchmark's protocol: the search for C, the refit, the
classifiers, and the featurizer's patches reproduced with public API.

On small generated features and images; the benchmark is imported from the
benchmarks folder (see tests/conftest.py).
"""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _cifar10 import classify, features, kmeans
from _cifar10.protocol import Classification
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from skscore import ConvolutionalFeaturizer
from skscore.__main__ import main as skscore_main
from skscore.preprocessing import sample_patches

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ROOT = Path(__file__).resolve().parents[1]


# -- the search for C ------------------------------------------------------------


def _search(peak, **classification):
    """search_C on a validation accuracy peaked at log10(C) = peak."""
    tried = []

    def accuracy_at(C):
        tried.append(C)
        return -abs(math.log10(C) - peak)

    C, accuracies = classify.search_C(
        accuracy_at, Classification("logistic", **classification), log=lambda _: None
    )
    return C, accuracies, tried


def test_the_grid_extends_past_an_edge_then_refines():
    C, accuracies, tried = _search(-4.3)
    # the starting grid, two decades down (the best was the smallest, then
    # interior), half a decade either side of the best, then a quarter
    assert tried == [1e-3, 1e-2, 1e-1, 1e-4, 1e-5, 3.16e-5, 3.16e-4, 1.78e-5, 5.62e-5]
    assert C == 5.62e-5  # 10**-4.25, the nearest to the peak of all tried
    assert list(accuracies) == sorted(tried)
    assert max(accuracies, key=accuracies.get) == C


def test_the_grid_extends_upward_and_stops_at_its_limits():
    C, _, tried = _search(5.0)
    assert tried[:7] == [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0]
    # 10**3.5 and 10**3.25 are past the limit: only the steps below are tried
    assert tried[7:] == [316.0, 562.0]
    assert C == 1000.0
    C, _, tried = _search(5.0, C_limits=(1e-3, 1e-1), C_steps=())
    assert (C, tried) == (0.1, [1e-3, 1e-2, 1e-1])


def test_one_starting_value_extends_both_ways_and_ties_go_to_the_smaller_C():
    C, _, tried = _search(0.0, C_grid=(1.0,), C_steps=())
    assert (C, tried) == (1.0, [1.0, 0.1, 10.0])
    # a flat validation accuracy: the smallest C tried, within the limits
    tried = []

    def flat(C):
        tried.append(C)
        return 0.5

    C, _ = classify.search_C(
        flat, Classification("svm", C_limits=(1e-4, 1.0)), log=lambda _: None
    )
    assert C == 1e-4
    assert tried == [1e-3, 1e-2, 1e-1, 1e-4, 3.16e-4, 1.78e-4]


# -- the classifier, its refit, the test set scored once ---------------------------


def _features(seed=0, n_classes=10, n_features=30):
    rng = np.random.default_rng(seed)
    means = rng.normal(0, 0.6, size=(n_classes, n_features))
    scales = rng.uniform(0.5, 5, n_features)  # standardization matters

    def part(n):
        y = rng.integers(0, n_classes, n)
        X = (means[y] + rng.normal(size=(n, n_features))) * scales + 3
        return X.astype(np.float32), y

    parts = [part(n) for n in (400, 100, 200)]
    return [X for X, _ in parts], tuple(y for _, y in parts)


@pytest.fixture
def spied_classifier(monkeypatch):
    """The classifier evaluate makes, the arrays it scored, and the unspied
    maker under "make"."""
    make = classify.make_classifier
    made = {"make": make}

    def spied(name):
        classifier = make(name)
        score = classifier.score

        def recorded_score(X, y):
            made["scored"].append(X)
            return score(X, y)

        classifier.score = recorded_score
        made.update(classifier=classifier, scored=[])
        return classifier

    monkeypatch.setattr(classify, "make_classifier", spied)
    return made


@pytest.mark.parametrize("name", ["svm", "logistic"])
def test_refit_on_all_training_images_at_the_chosen_C(spied_classifier, name):
    encoded, labels = _features()
    train, validation, test = (a.copy() for a in encoded)
    classification = Classification(name, C_steps=(0.5,))
    row = classify.evaluate(encoded, labels, classification, log=lambda _: None)
    fitted, scored = spied_classifier["classifier"], spied_classifier["scored"]
    assert row["classifier"] == name and row["refit"] is True
    assert row["n_fit_images"] == 500
    C = row["C"]
    assert row["validation_accuracy"][C] == max(row["validation_accuracy"].values())
    assert len(row["validation_accuracy"]) >= 5  # the grid and its refinement
    # the test images scored once, by the classifier refitted at C on the
    # 500 training images, standardized by their statistics
    assert sum(X is encoded[2] for X in scored) == 1
    assert len(scored) == len(row["validation_accuracy"]) + 1
    X = np.concatenate([train, validation])
    scaler = StandardScaler().fit(X)
    expected = spied_classifier["make"](name).set_params(C=C)  # from scratch
    expected.fit(scaler.transform(X), np.concatenate(labels[:2]))
    np.testing.assert_allclose(fitted.coef_, expected.coef_, rtol=2e-2, atol=2e-3)
    assert row["test_accuracy"] == pytest.approx(
        expected.score(scaler.transform(test), labels[2]), abs=0.011
    )


def test_without_refit_the_classifier_of_the_chosen_C_is_scored(spied_classifier):
    encoded, labels = _features(seed=1)
    train, test = encoded[0].copy(), encoded[2].copy()
    classification = Classification("svm", C_steps=(), refit=False)
    row = classify.evaluate(encoded, labels, classification, log=lambda _: None)
    fitted, scored = spied_classifier["classifier"], spied_classifier["scored"]
    assert row["refit"] is False and row["n_fit_images"] == 400
    scaler = StandardScaler().fit(train)  # the training images' statistics only
    expected = spied_classifier["make"]("svm").set_params(C=row["C"])
    expected.fit(scaler.transform(train), labels[0])
    np.testing.assert_allclose(fitted.coef_, expected.coef_, rtol=1e-3, atol=1e-4)
    assert row["test_accuracy"] == expected.score(scaler.transform(test), labels[2])
    assert sum(X is encoded[2] for X in scored) == 1


def test_the_l2_svm_has_linear_svcs_objective_and_warm_starts():
    # L2SVM: the squared hinge, one-vs-rest, the intercept regularized as a
    # feature of value 1, as LinearSVC's (tests/test_cifar10_l2svm.py)
    svm = classify.make_classifier("svm")
    assert type(svm).__name__ == "L2SVM"
    params = svm.get_params()
    assert params["intercept_scaling"] == 1.0 and params["fit_intercept"] is True
    assert params["warm_start"] is True
    assert type(classify.make_classifier("logistic")).__name__ == "LogisticRegression"
    with pytest.raises(ValueError, match="Unknown classifier"):
        classify.make_classifier("forest")


# -- the featurizer's patches, by public API ---------------------------------------


class _Recorder(TransformerMixin, BaseEstimator):
    """Keeps the patches it is fitted on."""

    def fit(self, X, y=None):
        self.patches_ = np.array(X)
        return self

    def transform(self, X):
        return X


@pytest.mark.parametrize(
    "normalize, whiten",
    [(True, True), (False, True), (True, False), (True, "pca")],
)
def test_the_noise_choice_preprocesses_patches_as_the_featurizer(normalize, whiten):
    images = np.random.default_rng(0).integers(0, 256, size=(30, 3 * 12 * 12))
    if whiten == "pca":
        whiten = PCA(n_components=0.99, whiten=True)
    featurizer = ConvolutionalFeaturizer(
        _Recorder(),
        patch_size=4,
        image_shape=(3, 12, 12),
        n_patches=400,
        normalize=normalize,
        whiten=whiten,
        encoding="transform",
        random_state=3,
    ).fit(images)
    # the raw patches the featurizer drew, preprocessed: what it fitted on
    raw = sample_patches(images, 400, (3, 12, 12), 4, random_state=3)
    patches = features.preprocessed(featurizer, raw)
    assert patches.dtype == np.float32
    np.testing.assert_allclose(
        patches, featurizer.estimator_.patches_, rtol=1e-5, atol=1e-5
    )


class _NoisyCounter(TransformerMixin, BaseEstimator):
    """Counts its fits; its held-out score is largest at noise 1."""

    fits = 0

    def __init__(self, noise=0.1, random_state=None):
        self.noise = noise
        self.random_state = random_state

    def fit(self, X, y=None):
        type(self).fits += 1
        self.offset_ = self.noise * np.ones(X.shape[1])
        return self

    def transform(self, X):
        return X + self.offset_

    def score(self, X):
        return -abs(self.noise - 1.0)


def test_the_noise_choice_fits_each_level_once(monkeypatch):
    monkeypatch.setattr(_NoisyCounter, "fits", 0)
    images = np.random.default_rng(0).integers(0, 256, size=(12, 3 * 8 * 8))
    images = [images[:8], images[8:10], images[10:]]
    featurizer = ConvolutionalFeaturizer(
        _NoisyCounter(),
        patch_size=3,
        image_shape=(3, 8, 8),
        n_patches=100,
        encoding="transform",
        random_state=0,
    )
    noises = (0.3, 1.0, 2.0)
    fitted = {}
    row, encoded = features.learn_and_encode(
        featurizer, noises, images, 0, print, fitted
    )
    assert row["noise"] == 1.0 and row["noise_scores"][1.0] == 0
    assert _NoisyCounter.fits == len(noises)
    # the other levels' featurizers wait in ``fitted``; taking one fits nothing
    assert len(fitted) == len(noises) - 1
    level = featurizer.set_params(estimator__noise=2.0)
    other, encoded_other = features.learn_and_encode(
        level, None, images, 0, print, fitted
    )
    assert _NoisyCounter.fits == len(noises) and len(fitted) == 1
    assert other["learn_seconds"] < row["learn_seconds"]
    # the same features as a fresh fit at that level
    _, fresh = features.learn_and_encode(level, None, images, 0, print, {})
    assert _NoisyCounter.fits == len(noises) + 1
    for ours, theirs in zip(encoded_other, fresh, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    assert not np.array_equal(encoded[0], encoded_other[0])


# -- full-batch k-means -------------------------------------------------------------


def test_full_batch_triangle_kmeans():
    X = np.random.default_rng(0).normal(size=(300, 5))
    model = kmeans.TriangleKMeans(8, full_batch=True, random_state=0).fit(X)
    assert type(model.kmeans_).__name__ == "KMeans"
    params = model.kmeans_.get_params()
    assert (params["max_iter"], params["init"], params["n_init"]) == (50, "random", 1)
    distances = np.linalg.norm(X[:, None, :] - model.kmeans_.cluster_centers_, axis=2)
    np.testing.assert_allclose(
        model.transform(X),
        np.maximum(distances.mean(axis=1, keepdims=True) - distances, 0),
        rtol=1e-6,
        atol=1e-9,
    )
    assert type(kmeans.TriangleKMeans(8).fit(X).kmeans_).__name__ == "MiniBatchKMeans"


# -- where the benchmark runs from --------------------------------------------------


def test_the_benchmark_is_a_script_of_the_repository(capsys):
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "cifar10.py"), "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT.parent,  # from anywhere: the script finds its package
    )
    assert result.returncode == 0, result.stderr
    assert "--classifier {logistic,svm}" in result.stdout
    # the package's command line has no cifar10 subcommand, and says where it is
    with pytest.raises(SystemExit):
        skscore_main(["--help"])
    assert "python benchmarks/cifar10.py" in " ".join(capsys.readouterr().out.split())
    with pytest.raises(SystemExit):
        skscore_main(["cifar10"])
    assert "invalid choice: 'cifar10'" in capsys.readouterr().err
