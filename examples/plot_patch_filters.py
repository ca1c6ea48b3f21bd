"""
Filters learned on natural image patches
========================================

An :class:`~skscore.MPoTAutoencoder` trained by score matching on whitened
8x8 patches of scikit-learn's two sample images learns localized, oriented
covariance filters: edge and grating detectors.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_sample_images
from sklearn.decomposition import PCA
from sklearn.feature_extraction.image import extract_patches_2d

from skscore import MPoTAutoencoder
from skscore.plotting import plot_filters

rng = np.random.RandomState(0)
patches = np.vstack(
    [
        extract_patches_2d(
            image.mean(axis=2) / 255, (8, 8), max_patches=2500, random_state=rng
        ).reshape(-1, 64)
        for image in load_sample_images().images
    ]
)
# brightness and contrast normalization, then PCA whitening, which also drops
# the null direction that the mean removal leaves
patches -= patches.mean(axis=1, keepdims=True)
patches /= np.sqrt(patches.var(axis=1, keepdims=True) + 0.01)
pca = PCA(n_components=63, whiten=True).fit(patches)
X = pca.transform(patches)

model = MPoTAutoencoder(n_covariance=32, n_mean=16, max_iter=150, random_state=0).fit(X)

# map the filters back to pixel space to look at them
fig, axes = plt.subplots(1, 2, figsize=(9, 4.5))
plot_filters(model.covariance_components_ @ pca.components_, (8, 8), ax=axes[0])
axes[0].set_title("covariance filters")
plot_filters(model.components_ @ pca.components_, (8, 8), ax=axes[1])
axes[1].set_title("mean filters")
plt.show()
