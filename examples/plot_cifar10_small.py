"""
A small CIFAR-10 pipeline
=========================

Raw images -> :class:`~skscore.ConvolutionalFeaturizer` (random 6x6 patches,
normalization, ZCA whitening, a GBRBM by score matching, soft-threshold
encoding of every other position, quadrant pooling) -> standardization ->
linear SVM, on 1,000 training and 500 test images, against raw pixels. The
full benchmark is ``python benchmarks/cifar10.py`` in the repository.

The images are CIFAR-10's when a copy is on the machine:
:func:`~skscore.datasets.fetch_cifar10` downloads it once (163 MB) into
scikit-learn's data home, where :func:`~skscore.datasets.load_cifar10` finds
it. Building this page never downloads anything: without a copy, the
example runs on synthetic images of the same shape instead, colour gratings
whose class is their orientation, and says so in its output.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skscore import ConvolutionalFeaturizer, GBRBMScoreMatching
from skscore.datasets import load_cifar10
from skscore.plotting import plot_filters


def gratings(n_images, rng):
    """32x32 colour gratings of 10 orientations (the classes), random phase."""
    y = rng.integers(0, 10, n_images)
    angle = np.pi * y / 10 + rng.normal(0, 0.05, n_images)
    rows, cols = np.mgrid[:32, :32]
    frequency = rng.uniform(0.5, 1.2, n_images)[:, None, None]
    phase = rng.uniform(0, 2 * np.pi, n_images)[:, None, None]
    wave = np.sin(
        frequency
        * (np.cos(angle)[:, None, None] * cols + np.sin(angle)[:, None, None] * rows)
        + phase
    )
    colour = rng.uniform(20, 100, (n_images, 3, 1, 1))
    images = 128 + colour * wave[:, None] + rng.normal(0, 30, (n_images, 3, 32, 32))
    return np.clip(images, 0, 255).astype(np.uint8).reshape(n_images, -1), y


try:
    # CIFAR-10 from data_home=, SKSCORE_DATA or scikit-learn's data home
    X, y = load_cifar10("train", return_X_y=True)
    X_test, y_test = load_cifar10("test", return_X_y=True)
    data = "CIFAR-10"
except FileNotFoundError:
    print(
        "CIFAR-10 is not on this machine (skscore.datasets.fetch_cifar10() "
        "downloads it): synthetic gratings instead"
    )
    rng = np.random.default_rng(0)
    (X, y), (X_test, y_test) = gratings(1000, rng), gratings(500, rng)
    data = "synthetic gratings"
X, y, X_test, y_test = X[:1000], y[:1000], X_test[:500], y_test[:500]

raw = Pipeline([("scale", StandardScaler()), ("svm", LinearSVC(C=0.001))])
learned = Pipeline(
    [
        (
            "feat",
            ConvolutionalFeaturizer(
                GBRBMScoreMatching(50),
                encoding="soft_threshold",
                stride=2,
                n_patches=20_000,
                random_state=0,
            ),
        ),
        ("scale", StandardScaler()),
        ("svm", LinearSVC(C=0.001)),
    ]
)
print(f"{data}, raw pixels: {raw.fit(X, y).score(X_test, y_test):.1%}")
print(f"{data}, learned features: {learned.fit(X, y).score(X_test, y_test):.1%}")

# the filters, in whitened colour patch space
filters = (
    learned["feat"].estimator_.components_.reshape(-1, 3, 6, 6).transpose(0, 2, 3, 1)
)
ax = plot_filters(filters.reshape(len(filters), -1), (6, 6, 3), n_filters=50)
ax.set_title(f"GBRBM filters on whitened 6x6 colour patches ({data})")
plt.show()
