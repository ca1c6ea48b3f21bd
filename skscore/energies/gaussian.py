"""Gaussian-Gaussian RBM (a linear autoencoder): free energy and objectives.

The model (see the mathematics page of the documentation, section "The
Gaussian RBM: a linear autoencoder") has unit-variance Gaussian visible and
hidden units, weights ``W`` stored as ``components`` of shape (K, D), hidden
bias ``c`` (``intercept_hidden``) and visible bias ``b``
(``intercept_visible``):

    E(v, h) = 1/2 ||v - b||^2 + 1/2 ||h||^2 - v^T W^T h - c^T h
    F(v)    = 1/2 ||v - b||^2 - 1/2 ||W v + c||^2
    dF/dv   = v - b - W^T (W v + c)

Its score matching objective is a linear autoencoder with weight decay,
``J(v) = 1/2 ||dF/dv||^2 + ||W||_F^2 - D``, whose optimum spans the top
principal subspace of the data: the closed-form sanity case of the library.
The functions of this module are the methods of :data:`MODEL` (see
:class:`~skscore.energies.EnergyModel`).

Examples
--------
>>> import numpy as np
>>> from skscore.energies import gaussian
>>> params = {"components": 0.5 * np.eye(2, 3), "intercept_hidden": np.zeros(2),
...           "intercept_visible": np.zeros(3)}
>>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
>>> gaussian.free_energy(X, params).round(4)
array([0.   , 0.375])
>>> gaussian.sm_terms(X, params).round(4)
array([[ 0.    ,  0.5   , -3.    ],
       [ 0.2812,  0.5   , -3.    ]])
>>> loss, grads = gaussian.sm(X, params)
>>> round(loss, 4), sorted(grads)
(-2.3594, ['components', 'intercept_hidden', 'intercept_visible'])
"""

from ._functions import model_functions
from ._model import EnergyModel, UnitBlock
from ._samplers import HamiltonianMC
from ._units import GaussianUnits

#: the model: one block of Gaussian units, unit visible variance, HMC
MODEL = EnergyModel(
    [
        UnitBlock(
            GaussianUnits(),
            "components",
            "n_components",
            bias="intercept_hidden",
            decayed=True,
        )
    ],
    learns_visible_std=False,
    sampler=HamiltonianMC,
)

# the functions of the module, ``sm = MODEL.sm`` and the others
globals().update(model_functions(MODEL))
