"""Arrays of any Array API namespace: PyTorch, CuPy, array_api_strict, NumPy.

The engine computes in the namespace and on the device of its inputs; NumPy
arrays take the fast path of in-place ufuncs (``out=``) that the standard
does not have. The estimators follow scikit-learn: with
``sklearn.set_config(array_api_dispatch=True)`` they compute in the input's
namespace and keep their fitted arrays there; otherwise everything is NumPy.
"""

import importlib
import operator
from typing import NamedTuple

import array_api_compat
import numpy as np
from sklearn import get_config

_OPERATORS = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
}


def namespace(*arrays):
    """The namespace of ``arrays``: NumPy itself for NumPy arrays."""
    if all(isinstance(a, np.ndarray | np.generic) for a in arrays):
        return np
    xp = array_api_compat.array_namespace(*arrays)
    return np if array_api_compat.is_numpy_namespace(xp) else xp


def input_namespace(X):
    """X as the estimators compute on it, its namespace and its device.

    NumPy (X unchanged) unless scikit-learn's ``array_api_dispatch`` is on and
    X is an array of another namespace (lists, dataframes and the like are
    NumPy). Tensors that require gradients are detached; complex and sparse
    arrays of other namespaces are refused, as NumPy's are.
    """
    if not get_config()["array_api_dispatch"] or isinstance(X, np.ndarray):
        return X, np, None
    try:
        xp = namespace(X)
    except TypeError:
        return X, np, None
    if xp is np:
        return X, np, None
    if array_api_compat.is_torch_array(X):
        if str(X.layout) != "torch.strided":
            raise TypeError(
                "Sparse tensors are not supported: convert X with X.to_dense()."
            )
        X = X.detach()
    if xp.isdtype(X.dtype, "complex floating"):
        raise ValueError("Complex data not supported.")
    return X, xp, array_api_compat.device(X)


def device(array):
    """The device of ``array``: None for NumPy arrays."""
    return None if isinstance(array, np.ndarray) else array_api_compat.device(array)


def zeros(xp, shape, dtype, device=None):
    """``xp.zeros`` on ``device`` (NumPy has no device)."""
    if xp is np:
        return np.zeros(shape, dtype=dtype)
    return xp.zeros(shape, dtype=dtype, device=device)


def concat(xp, arrays, axis=0):
    """Arrays joined along ``axis`` (NumPy 1 has no ``concat``)."""
    return np.concatenate(arrays, axis) if xp is np else xp.concat(arrays, axis=axis)


def astype(xp, array, dtype):
    """``array`` in ``dtype``, not copied when it is already."""
    if xp is np:
        return array.astype(dtype, copy=False)
    return xp.astype(array, dtype, copy=False)


def copy(array):
    """A copy of ``array``, of its namespace."""
    if isinstance(array, np.ndarray):
        return array.copy()
    return namespace(array).asarray(array, copy=True)


def to_numpy(array):
    """A NumPy array of ``array``'s values, copied to the host if need be."""
    if isinstance(array, np.ndarray | np.generic):
        return np.asarray(array)
    if array_api_compat.is_torch_array(array):
        return array.detach().cpu().numpy()
    if array_api_compat.is_cupy_array(array):
        return array.get()
    return np.from_dlpack(array)


def convert(array, xp, device, dtype=None):
    """``array`` as an array of ``xp`` on ``device``, in ``dtype`` if given."""
    if xp is np:
        return np.asarray(to_numpy(array), dtype=dtype)
    if namespace(array) is not xp:
        array = xp.asarray(to_numpy(array), device=device)
    elif array_api_compat.device(array) != device:
        array = xp.asarray(array, device=device)
    return array if dtype is None else xp.astype(array, dtype, copy=False)


def float_dtype(xp, dtype):
    """The NumPy dtype of the float32 or float64 dtype ``dtype`` of ``xp``."""
    return np.dtype(np.float32 if dtype == xp.float32 else np.float64)


def ufunc(xp, name, *args, out=None):
    """``xp.<name>(*args)``, written into ``out`` when it is given.

    NumPy writes in place; other namespaces compute a new array and copy it
    into ``out`` (the standard has no ``out=``). Arithmetic goes through the
    operators, which take Python scalars in every version of the standard
    (its functions only from 2024.12).
    """
    if xp is np:
        return getattr(np, name)(*args, out=out)
    result = _OPERATORS[name](*args) if name in _OPERATORS else getattr(xp, name)(*args)
    if out is None:
        return result
    out[...] = result
    return out


def row_dots(xp, A, B):
    """``sum_j A_ij B_ij`` for each row ``i``."""
    if xp is np:
        return np.einsum("ij,ij->i", A, B)
    return xp.sum(A * B, axis=1)


def total_dot(xp, A, B):
    """``sum_ij A_ij B_ij``."""
    if xp is np:
        return np.einsum("ij,ij->", A, B)
    return xp.sum(A * B)


def empty(xp, shape, dtype, device=None):
    """``xp.empty`` on ``device`` (NumPy has no device)."""
    if xp is np:
        return np.empty(shape, dtype=dtype)
    return xp.empty(shape, dtype=dtype, device=device)


class ArraySpace(NamedTuple):
    """Where an estimator's data live: their namespace, device and dtype.

    Resolved once where data enter and recorded at fit, so that later
    calls compare their input with it and build their arrays there. The
    namespace is held by its module's name, which pickles, and the dtype as
    NumPy's.
    """

    namespace_name: str
    device: object
    dtype: np.dtype

    @classmethod
    def of(cls, X):
        """The space of the float32 or float64 array X."""
        xp = namespace(X)
        return cls(xp.__name__, device(X), float_dtype(xp, X.dtype))

    @property
    def xp(self):
        """The namespace itself."""
        if self.namespace_name == "numpy":
            return np
        return importlib.import_module(self.namespace_name)

    @property
    def xp_dtype(self):
        """The dtype as the namespace's own."""
        return getattr(self.xp, self.dtype.name)

    def host(self):
        """The NumPy space of the same dtype, where the optimizers run."""
        return ArraySpace("numpy", None, self.dtype)


def check_space(X, fitted, estimator, method):
    """Raise unless X is of the namespace and device recorded in ``fitted``.

    ``fitted`` is the :class:`ArraySpace` of the data ``fit`` saw.

    Only under array API dispatch, as scikit-learn requires of its
    estimators; without it, everything is NumPy.
    """
    if not get_config()["array_api_dispatch"]:
        return
    _, xp, where = input_namespace(X)
    if (xp.__name__, where) != (fitted.namespace_name, fitted.device):
        raise ValueError(
            f"Inputs passed to {type(estimator).__name__}.{method}() must use the "
            "same namespace and the same device as those passed to fit(). "
            f"The estimator was fitted on {fitted.namespace_name} arrays (device "
            f"{fitted.device}), but X is of {xp.__name__} (device {where}). "
            "Convert X, or refit on data of its namespace."
        )


def largest_float(xp, where):
    """float64, or float32 on a device without it (such as Apple's MPS)."""
    if xp is np:
        return np.float64
    try:
        xp.zeros(1, dtype=xp.float64, device=where)
    except (TypeError, ValueError, RuntimeError):
        return xp.float32
    return xp.float64
