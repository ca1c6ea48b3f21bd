"""Checks of parameters beyond scikit-learn's constraints."""

import os
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, InvalidParameterError


def refuse_booleans(estimator):
    """Refuse True or False for a number.

    scikit-learn's ``Interval(Integral, ...)`` and ``Interval(Real, ...)``
    accept them, ``bool`` being a subclass of ``int``, and
    ``n_components=True`` then failed deep inside NumPy: a boolean count or
    size is a mistake, not a 1.
    """
    for name, constraints in estimator._parameter_constraints.items():
        value = getattr(estimator, name)
        numbers = any(
            isinstance(c, Interval) and c.type in (Integral, Real) for c in constraints
        )
        if numbers and "boolean" not in constraints and isinstance(value, bool):
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(estimator).__name__} must be a "
                f"number, not the boolean {value!r}."
            )


def refuse_boolean_counts(function, **counts):
    """:func:`refuse_booleans` for the count arguments of a function."""
    for name, value in counts.items():
        if isinstance(value, bool):
            raise InvalidParameterError(
                f"The {name!r} parameter of {function} must be an integer, not the "
                f"boolean {value!r}."
            )


def _physical_memory():
    """Bytes of memory of this machine, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_allocation(n_bytes, what, advice):
    """Refuse up front an allocation larger than the machine's memory.

    Without it, a size of 1e9 or more allocated until a MemoryError, or until
    the system killed the process, without saying which parameter asked for
    it. ``what`` names what needs ``n_bytes`` and ``advice`` the parameter to
    change.
    """
    memory = _physical_memory()
    if memory is not None and n_bytes > memory:
        raise ValueError(
            f"{what} needs about {n_bytes / 2**30:.3g} GiB, more than this "
            f"machine's {memory / 2**30:.3g} GiB of memory. {advice}"
        )


def refuse_changes_since_fit(estimator, fitted, what, why=""):
    """Refuse parameters that differ from their values at fit.

    ``fitted`` maps the names of parameters that the fitted state depends on
    to their values at fit; ``what`` names the fitted thing in the message
    ("the model"), and ``why`` adds the reason, if any, after a comma.
    """
    for name, value in fitted.items():
        if getattr(estimator, name) != value:
            raise ValueError(
                f"{name} is {getattr(estimator, name)!r}, but {what} was fitted "
                f"with {name}={value!r}: {name} changed since fit{why}. Call fit "
                f"again, or set {name} back to {value!r}."
            )
