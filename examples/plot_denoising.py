"""
Denoising by gradient steps on the free energy
==============================================

A model of clean image patches pulls a noisy patch toward high density:
small steps ``v <- v - step * dF/dv``
(:meth:`~skscore.GBRBMScoreMatching.denoise`; one unit step is the model's
reconstruction) remove part of the noise; too many of them smooth the patch
away, so the error has a minimum.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.preprocessing import StandardScaler

from skscore import GBRBMScoreMatching
from skscore.datasets import load_sample_patches
from skscore.plotting import plot_denoising

patches = load_sample_patches(8, 6000, random_state=0)
scaler = StandardScaler().fit(patches[:5000])
X_train, X_test = scaler.transform(patches[:5000]), scaler.transform(patches[5000:])

model = GBRBMScoreMatching(64, objective="dsm", noise=0.5, random_state=0)
model.fit(X_train)

noisy = X_test + 0.5 * np.random.default_rng(0).normal(size=X_test.shape)
denoised = noisy.copy()
errors = [np.mean((noisy - X_test) ** 2)]
for _ in range(10):  # model.denoise(noisy, n_steps=10) in one call; here step by step
    denoised = model.denoise(denoised, n_steps=1, step_size=0.2)
    errors.append(np.mean((denoised - X_test) ** 2))
print(f"mean squared error: noisy {errors[0]:.3f}, denoised {errors[-1]:.3f}")

fig, axes = plt.subplots(1, 4, figsize=(12, 3.2))
plot_denoising(X_test, noisy, denoised, (8, 8), axes=axes[:3])
axes[3].plot(errors, "o-")
axes[3].set(xlabel="steps of 0.2", ylabel="mean squared error")
plt.tight_layout()
plt.show()
