"""
A small CIFAR-10 pipeline
=========================

Raw images -> :class:`~skscore.ConvolutionalFeaturizer` (random 6x6 patches,
normalization, ZCA whitening, a GBRBM by score matching, soft-threshold
encoding of every other position, quadrant pooling) -> standardization ->
linear SVM, on 1,000 training and 500 test images, against raw pixels. The
full benchmark is ``python -m skscore cifar10``.
"""

import matplotlib.pyplot as plt
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skscore import ConvolutionalFeaturizer, GBRBMScoreMatching
from skscore.datasets import load_cifar10
from skscore.plotting import plot_filters

X, y = load_cifar10("train", return_X_y=True)  # from data_home, SKSCORE_DATA, ...
X_test, y_test = load_cifar10("test", return_X_y=True)
X, y, X_test, y_test = X[:1000], y[:1000], X_test[:500], y_test[:500]

raw = Pipeline([("scale", StandardScaler()), ("svm", LinearSVC(C=0.001))])
learned = Pipeline(
    [
        (
            "feat",
            ConvolutionalFeaturizer(
                GBRBMScoreMatching(50, max_iter=100),
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
print(f"raw pixels: {raw.fit(X, y).score(X_test, y_test):.1%}")
print(f"learned features: {learned.fit(X, y).score(X_test, y_test):.1%}")

# the filters, in whitened colour patch space
filters = (
    learned["feat"].estimator_.components_.reshape(-1, 3, 6, 6).transpose(0, 2, 3, 1)
)
ax = plot_filters(filters.reshape(len(filters), -1), (6, 6, 3), n_filters=50)
ax.set_title("GBRBM filters on whitened 6x6 colour patches")
plt.show()
