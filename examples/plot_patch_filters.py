"""
Filters learned on natural image patches
========================================

An :class:`~skscore.MPoTAutoencoder` trained by score matching on whitened
8x8 patches of scikit-learn's two sample images learns localized, oriented
covariance filters: edge and grating detectors.
"""

import matplotlib.pyplot as plt
from sklearn.decomposition import PCA

from skscore import MPoTAutoencoder
from skscore.datasets import load_sample_patches
from skscore.plotting import plot_mpot_filters

patches = load_sample_patches(8, 5000, random_state=0)
# brightness and contrast normalization, then PCA whitening, which also drops
# the null direction that the mean removal leaves
patches -= patches.mean(axis=1, keepdims=True)
patches /= (patches.var(axis=1, keepdims=True) + 0.01) ** 0.5
pca = PCA(n_components=63, whiten=True).fit(patches)
X = pca.transform(patches)

model = MPoTAutoencoder(n_covariance=32, n_mean=16, random_state=0).fit(X)

# map the filters back to pixel space to look at them
plot_mpot_filters(model, (8, 8), basis=pca.components_)
plt.show()
