"""
Digits: score matching features against raw pixels and BernoulliRBM
===================================================================

A linear SVM on raw standardized pixels, on the features of scikit-learn's
:class:`~sklearn.neural_network.BernoulliRBM`, and on those of
:class:`~skscore.GBRBMScoreMatching` trained by score matching and by
denoising score matching, all on the same split.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import LinearSVC

from skscore import GBRBMScoreMatching

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
pipelines = {
    "raw pixels": make_pipeline(StandardScaler(), LinearSVC()),
    "BernoulliRBM": make_pipeline(
        MinMaxScaler(),
        BernoulliRBM(128, learning_rate=0.06, n_iter=20, random_state=0),
        LinearSVC(),
    ),
    "GBRBM, SM": make_pipeline(
        StandardScaler(),
        GBRBMScoreMatching(128, random_state=0),
        LinearSVC(),
    ),
    "GBRBM, DSM": make_pipeline(
        StandardScaler(),
        GBRBMScoreMatching(128, objective="dsm", noise=0.3, random_state=0),
        LinearSVC(),
    ),
}
accuracy = {
    name: pipe.fit(X_train, y_train).score(X_test, y_test)
    for name, pipe in pipelines.items()
}
for name, value in accuracy.items():
    print(f"{name:>14}: {value:.1%}")

fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(list(accuracy), list(accuracy.values()))
ax.set_xlim(0.85, 1.0)
ax.set_xlabel("test accuracy")
plt.tight_layout()
plt.show()
