"""scikit-learn's estimator checks, less those this machine cannot run.

scikit-learn's array API checks cover every namespace and device it knows
(CUDA, MPS, XPU, CuPy, dpnp); those this machine lacks would only skip, so
they are left out of the parametrization instead of reported as skipped.
"""

from unittest import SkipTest

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

try:
    from sklearn.utils._testing import _array_api_for_tests
except ImportError:  # where scikit-learn keeps it before 1.8
    from sklearn.utils._array_api import _array_api_for_tests


def _runs_here(param):
    check = param.values[1] if hasattr(param, "values") else param[1]
    keywords = getattr(check, "keywords", {})
    wanted = [keywords.get(name) for name in ("X_ns_and_device", "other_ns_and_device")]
    if "array_namespace" in keywords:
        # the device's keyword is device_name from scikit-learn 1.8, device before
        device = keywords.get("device_name", keywords.get("device"))
        wanted.append((keywords["array_namespace"], device))
    for namespace_and_device in filter(None, wanted):
        try:
            _array_api_for_tests(*namespace_and_device)
        except SkipTest:
            return False
    return True


def _on_torch(param):
    """Whether the check runs the estimator on PyTorch tensors."""
    check = param.values[1] if hasattr(param, "values") else param[1]
    keywords = getattr(check, "keywords", {})
    namespaces = [keywords.get("array_namespace")] + [
        keywords[name][0]
        for name in ("X_ns_and_device", "other_ns_and_device")
        if keywords.get(name)
    ]
    return "torch" in namespaces


def parametrize_with_runnable_checks(estimators, **kwargs):
    """``parametrize_with_checks`` without the checks that would only skip here.

    The checks on PyTorch tensors, which fit at the estimators' full
    ``max_iter`` through the array API path (up to half a minute each), are
    marked slow.
    """
    mark = parametrize_with_checks(estimators, **kwargs).mark
    argnames, params = mark.args
    params = [p for p in params if _runs_here(p)]
    return pytest.mark.parametrize(
        argnames, [_slow(p) if _on_torch(p) else p for p in params], **mark.kwargs
    )


def _slow(param):
    if not hasattr(param, "values"):  # a bare tuple
        return pytest.param(*param, marks=pytest.mark.slow)
    return pytest.param(
        *param.values, marks=[*param.marks, pytest.mark.slow], id=param.id
    )
