"""The functions of a model's module: the methods of its declared ``MODEL``.

:mod:`~skscore.energies.gbrbm`, :mod:`~skscore.energies.mpot` and
:mod:`~skscore.energies.gaussian` each declare one
:class:`~skscore.energies.EnergyModel` and offer these of its methods as
module functions, ``gbrbm.sm(X, params)`` for ``gbrbm.MODEL.sm(X, params)``.
"""

#: the methods of a model that its module offers as functions
FUNCTIONS = (
    "free_energy",
    "grad_free_energy",
    "hidden_expectations",
    "reconstruct",
    "input_filters",
    "sm_terms",
    "sm",
    "ae",
    "dsm",
    "contrastive",
)


def model_functions(model):
    """The methods :data:`FUNCTIONS` of ``model``, by name: a module's functions."""
    return {name: getattr(model, name) for name in FUNCTIONS}
