"""Constraints on a model's parameters, declared on each :class:`Parameter`.

A constraint names the set a parameter must stay in. Training applies it
through :meth:`Constraint.bijection`: a smooth map from unconstrained
coordinates onto the set (with its inverse and the chain rule for
gradients), so that an unconstrained optimizer can drive the parameter, as
``torch.distributions`` maps each ``arg_constraints`` entry with
``biject_to``. A set defined relative to the data, such as an interval
around its scale, is resolved against that scale when training starts.
"""

import numpy as np


class Constraint:
    """The set a parameter must stay in; see :meth:`bijection`."""

    #: whether every step of a solver must go through the bijection; a
    #: constraint that only guards against divergence needs it for solvers
    #: whose trial points are unbounded (a line search), while one whose
    #: steps are bounded (Adam) may step on the parameter itself and check it
    always_reparametrized = True

    def bijection(self, scale):
        """The map onto the set for data of this ``scale`` (see :class:`Bijection`)."""
        raise NotImplementedError


class Bijection:
    """A map ``forward`` from unconstrained values onto a constraint's set."""

    def forward(self, free):
        """The constrained value at the unconstrained ``free``."""
        raise NotImplementedError

    def inverse(self, value):
        """Unconstrained coordinates that ``forward`` maps to ``value``."""
        raise NotImplementedError

    def pullback(self, free, value, grad):
        """The gradient for ``free`` of a function of gradient ``grad`` at ``value``."""
        raise NotImplementedError


class UnitNormRows(Constraint, Bijection):
    """Every row of a matrix of unit Euclidean norm.

    The map scales each row of any matrix without a zero row to unit norm;
    its inverse is the identity, and the gradient it pulls back is the
    component orthogonal to each row, divided by the row's norm.
    """

    def bijection(self, scale):
        return self

    def forward(self, free):
        return free / np.linalg.norm(free, axis=1, keepdims=True)

    def inverse(self, value):
        return value

    def pullback(self, free, value, grad):
        radial = np.sum(grad * value, axis=1, keepdims=True) * value
        return (grad - radial) / np.linalg.norm(free, axis=1, keepdims=True)

    def __repr__(self):
        return "UnitNormRows()"


class LogScaleInterval(Constraint):
    """A log scale within ``factor`` times the data's scale, either way.

    The interval ``log(scale) +- log(factor)`` keeps a learned standard
    deviation where its squares and inverse squares stay finite in float32.
    It only guards against divergence, so solvers with bounded steps check
    it rather than step through its map.

    Parameters
    ----------
    factor : float
        How far, as a factor, the scale may move from the data's.
    """

    always_reparametrized = False

    def __init__(self, factor):
        self.factor = factor

    def bijection(self, scale):
        spread = np.log(self.factor)
        return _TanhInterval(np.log(scale) - spread, np.log(scale) + spread)

    def __repr__(self):
        return f"LogScaleInterval(factor={self.factor:g})"


class _TanhInterval(Bijection):
    """The open interval (low, high), as ``center + half tanh(free / half)``.

    Nearly the identity around the center; L-BFGS-B's own bounds would cost
    scipy a Python loop over every parameter to set up (0.25 s per fit at
    50,000 parameters).
    """

    def __init__(self, low, high):
        self.low, self.high = low, high
        self.center, self.half = (high + low) / 2, (high - low) / 2

    def forward(self, free):
        value = self.center + self.half * np.tanh(
            np.asarray(free, np.float64) / self.half
        )
        return value.astype(free.dtype)

    def inverse(self, value):
        return self.half * np.arctanh((value - self.center) / self.half)

    def pullback(self, free, value, grad):
        # d value / d free = 1 - tanh^2
        return grad * (1 - ((value - self.center) / self.half) ** 2)

    def contains(self, value):
        """Whether ``value`` is in the closed interval."""
        return bool(self.low <= value <= self.high)
