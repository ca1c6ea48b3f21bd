"""
Choosing the noise of denoising score matching
==============================================

:class:`~skscore.DenoisingSMTransformer` exposes the noise level to
``GridSearchCV``. With labels, the search maximizes the accuracy of the
classifier after it; without labels, it maximizes ``score``, the held-out
score matching score, which does not depend on the noise. The two criteria
need not agree.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skscore import DenoisingSMTransformer, GBRBMScoreMatching

X, y = load_digits(return_X_y=True)
noises = [0.1, 0.3, 1.0, 3.0]
dsm = DenoisingSMTransformer(GBRBMScoreMatching(32), random_state=0)

supervised = GridSearchCV(
    Pipeline([("scale", StandardScaler()), ("feat", dsm), ("svm", LinearSVC())]),
    {"feat__noise": noises},
    cv=3,
).fit(X, y)
unsupervised = GridSearchCV(dsm, {"noise": noises}, cv=3).fit(
    StandardScaler().fit_transform(X)
)
print("supervised choice:", supervised.best_params_)
print("unsupervised choice:", unsupervised.best_params_)

fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
axes[0].semilogx(noises, supervised.cv_results_["mean_test_score"], "o-")
axes[0].set(xlabel="noise", ylabel="validation accuracy", title="with labels")
axes[1].semilogx(noises, unsupervised.cv_results_["mean_test_score"], "o-")
axes[1].set(xlabel="noise", ylabel="held-out SM score", title="without labels")
plt.tight_layout()
plt.show()
