"""
The effect of the regularizers
==============================

Score matching is an autoencoder's squared error plus two regularizers, a
variance and a curvature term (``score_terms``). Trained by score matching,
a GBRBM trades reconstruction error for those terms; trained as a plain
autoencoder (``objective="ae"``), it lets them grow.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skscore import GBRBMScoreMatching

X = StandardScaler().fit_transform(load_digits().data)
names = ["squared error", "variance", "curvature"]
curves = {}
for objective in ("sm", "ae"):
    model = GBRBMScoreMatching(
        64, objective=objective, max_iter=5, warm_start=True, random_state=0
    )
    terms = []
    for _ in range(30):  # 30 x 5 L-BFGS iterations, the terms after each block
        model.fit(X)
        terms.append(model.score_terms(X).mean(axis=0))
    curves[objective] = np.array(terms)

fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
for index, (ax, name) in enumerate(zip(axes, names, strict=True)):
    for objective, label in (("sm", "score matching"), ("ae", "autoencoder")):
        ax.plot(5 * np.arange(1, 31), curves[objective][:, index], label=label)
    ax.set(title=name, xlabel="L-BFGS iterations")
axes[0].legend()
plt.tight_layout()
plt.show()
