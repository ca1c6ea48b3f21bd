"""
Declaring an energy model of your own
=====================================

:mod:`skscore.energies` declares a model as a Gaussian plus blocks of hidden
units, and derives its free energy, its score matching objectives and their
gradients in closed form from the units' potential ``rho(z)`` alone. Here we
write a unit type the library does not have, a *log-cosh expert* with the
potential ``rho(z) = log cosh z`` on its input ``z = w . v / sigma + c``,
declare a model of such experts, and fit it with
:class:`~skscore.EnergyModelTransformer` by score matching (``"sm"``),
denoising score matching (``"dsm"``) and as a plain autoencoder (``"ae"``).

``log cosh z`` grows with ``|z|``: each expert adds precision along its
filter, so the model can only make the data's density narrower than its
Gaussian part. On data stretched along one direction, score matching turns
the filters to the other, the direction in which the data vary least, and
grows them until the model's density is as narrow as the data. The
autoencoder's loss, without the two regularizers of score matching, has
nothing to gain from these experts and keeps them at their small start.
"""

import matplotlib.pyplot as plt
import numpy as np

from skscore import EnergyModelTransformer
from skscore.energies import EnergyModel, UnitBlock, Units


class LogCoshUnits(Units):
    """``rho(z) = log cosh z``: with ``t = tanh z``, ``rho' = t``, ``rho'' = 1 - t^2``.

    The expert is deterministic (its "expectation" is ``tanh z``), so all of
    ``rho''`` is curvature of the energy, none is variance.
    """

    def derivatives(self, Z, out):
        # rho', rho'' and rho''' in place, as many as ``out`` has arrays
        P1 = np.tanh(Z, out=out[0])
        if len(out) > 1:
            P2 = np.multiply(P1, P1, out=out[1])
            np.subtract(1, P2, out=P2)
        if len(out) > 2:
            np.multiply(P1, out[1], out=out[2])
            out[2] *= -2

    def potential(self, Z):
        return (np.logaddexp(Z, -Z) - np.log(2)).sum(axis=0)

    def expectations(self, Z):
        return np.tanh(Z)

    def mean_curvature(self, Z):
        return 1 - np.tanh(Z) ** 2


model = EnergyModel(
    [UnitBlock(LogCoshUnits(), "filters", "n_experts", bias="biases", decayed=True)]
)
print("parameters:", list(model.parameters))

# %%
# Two-dimensional data, stretched along one direction and narrow along the
# other (``minor``), split into rows to fit and held-out rows.

rng = np.random.default_rng(0)
angle = 0.6
rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
minor = rotation[:, 1]
X = (rng.normal(size=(3000, 2)) * [1.0, 0.3]) @ rotation.T
X_train, X_test = X[:2000], X[2000:]

# %%
# One estimator per objective; the fitted filters are ``filters_``, named as
# the model declares them. ``score`` is the held-out score matching score
# (higher is better), which compares the three fits whatever trained them.

fits = {}
for objective in ["sm", "dsm", "ae"]:
    estimator = EnergyModelTransformer(
        model, 2, objective=objective, noise=0.3, random_state=0
    )
    fits[objective] = estimator.fit(X_train)
    norms = np.linalg.norm(estimator.filters_, axis=1)
    cosines = np.abs(estimator.filters_ @ minor) / norms
    print(
        f"{objective:>3}: {estimator.n_iter_:3d} iterations, held-out score "
        f"{estimator.score(X_test):6.3f}, filter norms {np.round(norms, 2)}, "
        f"|cos| with the narrow direction {np.round(cosines, 3)}"
    )

# %%
# The log density ``-F(v)`` that each objective learned (``score_samples``,
# up to a constant), over the held-out rows, with each filter as an arrow of
# half its length: those of score matching and denoising score matching
# squeeze the density across the data, those of the autoencoder hardly
# change it.

grid = np.linspace(-3, 3, 120)
V = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)
fig, axes = plt.subplots(1, 3, figsize=(11, 3.8), sharey=True)
for ax, (objective, estimator) in zip(axes, fits.items(), strict=True):
    log_density = estimator.score_samples(V).reshape(len(grid), len(grid))
    ax.contourf(grid, grid, log_density - log_density.max(), levels=np.arange(-8, 1))
    ax.scatter(*X_test[::4].T, s=2, c="white", alpha=0.5)
    for w in estimator.filters_:
        ax.arrow(0, 0, *(w / 2), color="red", width=0.04)
    ax.set(title=f'objective="{objective}"', aspect="equal", xlim=(-3, 3))
plt.tight_layout()
plt.show()

# %%
# The training losses, each in its own units, relative to its start.

fig, ax = plt.subplots(figsize=(5, 3.2))
for objective, estimator in fits.items():
    curve = np.asarray(estimator.loss_curve_)
    ax.plot(curve - curve[0], label=objective)
ax.set(xlabel="L-BFGS iteration", ylabel="loss - initial loss")
ax.legend()
plt.tight_layout()
plt.show()
