"""Gaussian-Bernoulli RBM: free energy and score matching objectives.

The model (see the mathematics page of the documentation, sections "The
Gaussian-Bernoulli RBM" and "The visible standard deviation") has visible
standard deviation ``sigma``, weights ``W`` stored as ``components`` of shape
(K, D), hidden bias ``c`` (``intercept_hidden``), visible bias ``b``
(``intercept_visible``) and ``log_visible_std = log(sigma)``. With
``u = v / sigma`` its free energy is

    F(v) = 1/2 ||u - b||^2 - sum_j softplus(c_j + W_j . u).

Its hidden expectations are ``sigm(c + W u)``, its score matching variance
term is ``sum_j ||W_j||^2 h_j (1 - h_j) / sigma^2`` and its curvature term
``-D / sigma^2``. The functions of this module are the methods of
:data:`MODEL` (see :class:`~skscore.energies.EnergyModel`).
"""

from ._functions import model_functions
from ._model import EnergyModel, UnitBlock
from ._samplers import BlockGibbs
from ._units import BinaryUnits

#: the model: one block of binary units, block Gibbs sampling
MODEL = EnergyModel(
    [
        UnitBlock(
            BinaryUnits(),
            "components",
            "n_components",
            bias="intercept_hidden",
            decayed=True,
        )
    ],
    sampler=BlockGibbs,
)

# the functions of the module, ``sm = MODEL.sm`` and the others
globals().update(model_functions(MODEL))
