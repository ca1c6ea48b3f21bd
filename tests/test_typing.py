"""The public API is annotated and the package says so (PEP 561)."""

import inspect
from pathlib import Path

import pytest

import skscore
from skscore import datasets, energies, plotting, preprocessing

ROOT = Path(__file__).resolve().parents[1]


def _public_callables():
    """Every public function, and every public method skscore defines."""
    classes = [getattr(skscore, name) for name in skscore.__all__]
    classes += [getattr(energies, name) for name in energies.__all__]
    for module in (datasets, plotting, preprocessing):
        for name, value in vars(module).items():
            # defined in the module, or in one of its own (package) modules
            defined_in = getattr(value, "__module__", None) or ""
            if name.startswith("_") or not defined_in.startswith(module.__name__):
                continue
            if inspect.isclass(value):
                classes.append(value)
            elif inspect.isfunction(value):
                yield f"{module.__name__}.{name}", value
    for cls in classes:
        for klass in cls.__mro__:
            if not klass.__module__.startswith("skscore"):
                continue
            for name, value in vars(klass).items():
                if name.startswith("_") and name != "__init__":
                    continue
                function = getattr(value, "fget", value)  # properties too
                function = getattr(function, "__wrapped__", function)
                if inspect.isfunction(function):
                    yield f"{cls.__name__}.{name}", function


@pytest.mark.parametrize(
    "name, function", list(_public_callables()), ids=lambda x: str(x)[:60]
)
def test_public_callables_are_annotated(name, function):
    signature = inspect.signature(function)
    missing = [
        parameter.name
        for parameter in signature.parameters.values()
        if parameter.name not in ("self", "cls")
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        and parameter.annotation is inspect.Parameter.empty
    ]
    assert not missing, f"{name}: parameters without a type: {missing}"
    if function.__name__ != "__init__":
        assert signature.return_annotation is not inspect.Signature.empty, name


def test_py_typed_marker_is_shipped():
    assert (ROOT / "skscore" / "py.typed").is_file()
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in pyproject["tool"]["setuptools"]["package-data"]["skscore"]
