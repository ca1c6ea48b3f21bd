"""Types of hidden unit: each is its potential ``rho(z)`` in the free energy.

A model's free energy is ``1/2 ||u - b||^2 + sum_j rho_j(z_j)`` with
``z = B u + c`` (see :class:`~skscore.energies.EnergyModel`); a unit type
supplies ``rho`` and, in closed form, its first three derivatives, the hidden
unit expectations given ``v`` and the split of the score matching objective
into variance and curvature. Unit quantities are arrays of one row per unit
and one column per data row.
"""

import numpy as np

from .._array_api import copy, namespace, ufunc


def sigmoid(Z, out=None, sign=1.0):
    """Logistic function ``sign / (1 + exp(-z))`` as ``sign (1 + tanh(z / 2)) / 2``.

    Stable for any input, and several times faster than ``scipy.special.expit``
    because NumPy vectorizes ``tanh``; it loses the relative precision of
    values below about ``1e-16`` (float64) or ``1e-7`` (float32), which add
    nothing to any sum here. ``sign=-1`` gives ``-sigm(z)`` at no extra cost.
    Z may be an array of any Array API namespace.
    """
    xp = namespace(Z)
    out = ufunc(xp, "multiply", Z, 0.5, out=out)
    ufunc(xp, "tanh", out, out=out)
    out *= 0.5 * sign
    out += 0.5 * sign
    return out


class Units:
    """A type of hidden unit, defined by its potential ``rho(z)``.

    Subclasses implement :meth:`derivatives`, :meth:`potential` and
    :meth:`expectations`, and :meth:`mean_curvature` when the unit's energy
    is not linear in ``z``. Each method takes, after its arrays, the model
    parameters named in ``hyperparameters`` as keyword arguments. The arrays
    may be of any Array API namespace (``array_api_compat.array_namespace``
    tells which): write into NumPy's ``out`` arrays in place, and into
    others' by assignment (``out[...] = ...``).
    """

    #: names of the fixed model parameters (0-d arrays) that ``rho`` depends on
    hyperparameters = ()

    def derivatives(self, Z: np.ndarray, out: list[np.ndarray]) -> list[np.ndarray]:
        """Write ``rho'(Z)``, ``rho''(Z)``, ... into the arrays of the list ``out``.

        ``out`` holds one to three arrays of Z's shape; fill as many
        derivatives as there are arrays, in place.
        """
        raise NotImplementedError

    def potential(self, Z: np.ndarray) -> np.ndarray:
        """``sum_j rho(z_j)`` over the units: one value per column of Z."""
        raise NotImplementedError

    def expectations(self, Z: np.ndarray) -> np.ndarray:
        """The hidden units' conditional expectations ``E[h | v]``, in Z's layout."""
        raise NotImplementedError

    def mean_curvature(self, Z: np.ndarray) -> np.ndarray:
        """``E[d^2 E / dz^2 | v]`` per unit, or None where the energy is linear in z.

        ``-rho''(z) ||B_j||^2`` in the score matching objective is the variance
        of ``dE/dv`` under ``p(h | v)`` minus this curvature times
        ``||B_j||^2``: units whose energy ``-h z`` is linear in ``z`` have no
        curvature part.
        """
        return None


class BinaryUnits(Units):
    """Binary units: ``rho(z) = -softplus(z)``, ``E[h | v] = sigm(z)``.

    With ``h = sigm(z)``, ``rho' = -h``, ``rho'' = -h (1 - h)`` and
    ``rho''' = -h (1 - h) (1 - 2h)``.
    """

    def derivatives(self, Z: np.ndarray, out: list[np.ndarray]) -> list[np.ndarray]:
        xp = namespace(Z)
        P1 = sigmoid(Z, out=out[0], sign=-1.0)
        if len(out) > 1:
            P2 = ufunc(xp, "add", P1, 1.0, out=out[1])  # 1 - h
            P2 *= P1
        if len(out) > 2:
            P3 = ufunc(xp, "multiply", P1, 2.0, out=out[2])
            P3 += 1  # 1 - 2h
            P3 *= P2

    def potential(self, Z: np.ndarray) -> np.ndarray:
        if isinstance(Z, np.ndarray):
            return -np.logaddexp(0, Z).sum(axis=0)
        xp = namespace(Z)
        return -xp.sum(xp.logaddexp(xp.zeros_like(Z), Z), axis=0)

    def expectations(self, Z: np.ndarray) -> np.ndarray:
        return sigmoid(Z)


class StudentTUnits(Units):
    """Gamma covariance units: ``rho(z) = gamma log(1 + z^2 / 2)``.

    Integrating out a Gamma unit of shape ``gamma`` and energy
    ``h (1 + z^2 / 2)`` gives this potential (up to a constant), a Student-t
    density along the unit's filter. With ``e = 1 / (1 + z^2 / 2)``,
    ``rho' = gamma e z``, ``rho'' = gamma e^2 (1 - z^2 / 2)`` and
    ``rho''' = gamma e^3 z (z^2 / 2 - 3)``; ``E[h | v] = gamma e``.
    """

    hyperparameters = ("gamma",)

    def derivatives(
        self, Z: np.ndarray, out: list[np.ndarray], gamma: np.ndarray
    ) -> list[np.ndarray]:
        xp = namespace(Z)
        half_sq = Z * Z
        half_sq *= 0.5
        e = half_sq + 1
        e = ufunc(xp, "divide", 1.0, e, out=e)
        P1 = ufunc(xp, "multiply", Z, e, out=out[0])
        P1 *= gamma
        if len(out) > 1:
            P2 = ufunc(xp, "subtract", 1.0, half_sq, out=out[1])
            P2 *= e
            P2 *= e
            P2 *= gamma
        if len(out) > 2:
            P3 = ufunc(xp, "subtract", half_sq, 3.0, out=out[2])
            P3 *= P1
            P3 *= e
            P3 *= e

    def potential(self, Z: np.ndarray, gamma: np.ndarray) -> np.ndarray:
        xp = namespace(Z)
        return gamma * xp.sum(xp.log1p(0.5 * Z * Z), axis=0)

    def expectations(self, Z: np.ndarray, gamma: np.ndarray) -> np.ndarray:
        return gamma / (1 + 0.5 * Z * Z)

    def mean_curvature(self, Z: np.ndarray, gamma: np.ndarray) -> np.ndarray:
        # the energy h (1 + z^2 / 2) curves by h: its mean is E[h | v]
        return self.expectations(Z, gamma)


class GaussianUnits(Units):
    """Unit-variance Gaussian units: ``rho(z) = -z^2 / 2``, ``E[h | v] = z``."""

    def derivatives(self, Z: np.ndarray, out: list[np.ndarray]) -> list[np.ndarray]:
        ufunc(namespace(Z), "negative", Z, out=out[0])
        if len(out) > 1:
            out[1][...] = -1.0
        if len(out) > 2:
            out[2][...] = 0.0

    def potential(self, Z: np.ndarray) -> np.ndarray:
        xp = namespace(Z)
        return -0.5 * xp.sum(Z * Z, axis=0)

    def expectations(self, Z: np.ndarray) -> np.ndarray:
        return copy(Z)
