"""Free energies and score matching objectives, in closed form, one module per model.

Each module offers ``free_energy``, ``grad_free_energy``,
``hidden_expectations``, ``reconstruct``, ``input_filters``, ``sm_terms`` and
the objectives ``sm``, ``dsm`` and ``ae``, each returning the mean loss over
rows and its gradient for every parameter. Parameters are a dict of arrays
named as in the module's ``PARAM_SHAPES``.
"""
