"""
The effect of the regularizers
==============================

Score matching is an autoencoder's squared error plus two regularizers, a
variance and a curvature term (``score_terms``). Trained as a plain
autoencoder (``objective="ae"``), a GBRBM drives its reconstruction error
lower, while the regularizers, which it does not see, drift; score matching
trades some reconstruction error for a lower total, the paper's
"effect of regularizers" figure. Both models have unit visible variance, so
the squared error term is the reconstruction error itself. (A GBRBM's
curvature term is the constant ``-D``; the mPoT's varies.)
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skscore import GBRBMScoreMatching
from skscore.plotting import plot_score_terms

X = StandardScaler().fit_transform(load_digits().data)
models = {
    "score matching": GBRBMScoreMatching(
        64, visible_std=1.0, max_iter=5, random_state=0
    ),
    "autoencoder": GBRBMScoreMatching(
        64, objective="ae", visible_std=1.0, max_iter=5, random_state=0
    ),
}
plot_score_terms(models, X, n_rounds=30)
plt.tight_layout()
plt.show()
