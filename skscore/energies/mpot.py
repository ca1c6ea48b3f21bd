"""Mean-covariance product of Student-t (mPoT): free energy and objectives.

The model (see the mathematics page of the documentation, section "The
mean-covariance product of Student-t (mPoT)") has covariance filters ``C``
stored as ``covariance_components`` of shape (K, D), mean filters ``W`` stored
as ``components`` of shape (M, D), mean hidden bias ``c``
(``intercept_hidden``), visible bias ``b`` (``intercept_visible``), visible
standard deviation ``sigma`` (``log_visible_std = log(sigma)``, as for the
GBRBM) and a fixed shape ``gamma`` (a 0-d array; it gets no gradient). With
``u = v / sigma``, ``phi = C u`` and ``a = W u + c``,

    F(v) = gamma sum_k log(1 + phi_k^2 / 2) - sum_j softplus(a_j) + 1/2 ||u - b||^2.

At ``sigma = 1`` this is the mPoT of Ranzato and Hinton (2010).

Covariance units are Gamma distributed given ``v`` with mean
``h^c_k = gamma / (1 + phi_k^2 / 2)``; mean units are Bernoulli with mean
``h^m_j = sigm(a_j)``. The hidden expectations are ``[h^c, h^m]``. The score
matching variance term is ``sum_k (h^c_k phi_k)^2 ||C_k||^2 / gamma +
sum_j h^m_j (1 - h^m_j) ||W_j||^2`` and the curvature term
``-sum_k h^c_k ||C_k||^2 - D``, both divided by ``sigma^2``. The functions of
this module are the methods of :data:`MODEL` (see
:class:`~skscore.energies.EnergyModel`).

Examples
--------
>>> import numpy as np
>>> from skscore.energies import mpot
>>> params = {"covariance_components": np.eye(1, 3), "components": np.eye(2, 3),
...           "intercept_hidden": np.zeros(2), "intercept_visible": np.zeros(3),
...           "log_visible_std": np.array(0.0), "gamma": np.array(1.0)}
>>> X = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
>>> mpot.hidden_expectations(X, params).round(4)
array([[1.    , 0.5   , 0.5   ],
       [0.6667, 0.7311, 0.5   ]])
>>> mpot.sm_terms(X, params).round(4)
array([[ 0.25  ,  0.5   , -4.    ],
       [ 0.5627,  0.8911, -3.6667]])
>>> loss, grads = mpot.sm(X, params)
>>> round(loss, 4), "gamma" in grads
(-2.7315, False)
"""

from ._functions import model_functions
from ._model import EnergyModel, UnitBlock
from ._samplers import HamiltonianMC
from ._units import BinaryUnits, StudentTUnits

#: the model: covariance units at unit norm, then binary mean units; HMC
MODEL = EnergyModel(
    [
        UnitBlock(
            StudentTUnits(), "covariance_components", "n_covariance", unit_norm=True
        ),
        UnitBlock(
            BinaryUnits(), "components", "n_mean", bias="intercept_hidden", decayed=True
        ),
    ],
    sampler=HamiltonianMC,
)

# the functions of the module, ``sm = MODEL.sm`` and the others
globals().update(model_functions(MODEL))
