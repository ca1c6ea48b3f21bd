"""Free energies and score matching objectives, in closed form.

Every model is a Gaussian plus a sum of one-filter experts, an
:class:`EnergyModel` declared by its blocks of hidden units (a
:class:`UnitBlock` of a unit type such as :class:`BinaryUnits`) and its
:class:`Sampler`. Its methods ``free_energy``, ``grad_free_energy``,
``hidden_expectations``, ``reconstruct``, ``input_filters``, ``sm_terms``,
the objectives ``sm``, ``dsm``, ``ae`` and ``contrastive`` (each returning the
mean loss over rows and its gradient for every trainable parameter) and
``sample`` take the parameters as a dict of arrays named as in its
``parameters``. The modules :mod:`~skscore.energies.gbrbm`,
:mod:`~skscore.energies.mpot` and :mod:`~skscore.energies.gaussian` each
declare one model, ``MODEL``, and offer its methods as functions. The arrays
may be NumPy's or of any other Array API namespace (PyTorch, CuPy): the
methods compute in their namespace and on their device.
"""

from ._model import EnergyModel, Parameter, UnitBlock
from ._samplers import BlockGibbs, HamiltonianMC, Sampler
from ._units import BinaryUnits, GaussianUnits, StudentTUnits, Units

__all__ = [
    "BinaryUnits",
    "BlockGibbs",
    "EnergyModel",
    "GaussianUnits",
    "HamiltonianMC",
    "Parameter",
    "Sampler",
    "StudentTUnits",
    "UnitBlock",
    "Units",
]
