"""Descriptions shared by the docstrings of the estimators.

A docstring line that holds only ``%(name)s`` stands for the shared text
``name`` of :data:`_SHARED`, which :func:`fill_doc` puts there at import,
indented as that line: the estimators document the parameters and
attributes they have in common once.
"""

_SHARED = {
    "objective": """\
objective : {"sm", "dsm", "ae", "cd", "pcd", "fpcd"}, default="sm"
    Training objective. It also decides how :meth:`fit` trains: "sm",
    "dsm" and "ae" by L-BFGS on X (settings ``max_iter``, ``tol``,
    ``n_iter_no_change``, ``validation_fraction``), "cd", "pcd" and
    "fpcd" by ``max_iter`` passes of minibatch Adam (``batch_size``,
    ``learning_rate``; no stopping rule).
    :meth:`partial_fit` runs one pass of minibatch Adam for every
    objective.
""",
    "encoding": """\
encoding : {"expectation", "relu", "soft_threshold"}, default="soft_threshold"
    What :meth:`transform` returns. "expectation": the hidden unit
    expectations ``E[h | v]``; "relu": ``max(0, z)`` for the inputs ``z``
    of the hidden units; "soft_threshold": ``max(0, p - threshold)`` and
    ``max(0, -p - threshold)`` for the projection ``p`` of ``v / sigma -
    b`` on each filter scaled to unit norm (twice the features), the
    encoder of Coates and Ng (2011) on the model's filters. The soft
    threshold is the default: on three image sets nobody tuned for, it
    beat the expectations by 1 to 9 points of linear classifier accuracy
    and raw pixels by 3 to 19 (see the user guide).

threshold : float, default=0.5
    Threshold of ``encoding="soft_threshold"``, in units of the visible
    standard deviation.
""",
    "noise": """\
noise : float, default=0.1
    Standard deviation of the Gaussian corruption for ``objective="dsm"``,
    in the units of ``X`` (``fit`` warns when it is more than 10 times
    larger or 100 times smaller than the data's scale: a noise well above
    the data's scale models the noise).
""",
    "stopping": """\
max_iter : int, default=500
    Maximum number of L-BFGS iterations; for ``"cd"``, ``"pcd"`` and
    ``"fpcd"``, the number of passes over the data.

tol : float, default=1e-2
    Convergence threshold of L-BFGS: ``fit`` stops once the training loss
    on the held-out rows (see ``validation_fraction``) has improved, over
    the last ``n_iter_no_change`` iterations, by less than ``tol`` times
    its total improvement since the start of the fit: by default, once
    the last 10 iterations brought less than 1% of the progress. Being
    relative to the progress, the rule does not depend on the scale of
    X. A fit that reaches ``max_iter`` before that warns
    (ConvergenceWarning). Unused by the maximum-likelihood objectives,
    which run ``max_iter`` passes.

n_iter_no_change : int, default=10
    Length, in L-BFGS iterations, of the window over which ``tol``
    measures the improvement.

validation_fraction : float or None, default=0.1
    Fraction of the rows of X held out (at random, seeded by
    ``random_state``) for the stopping rule; ``fit`` returns the
    parameters of the iteration where the loss on them was lowest, so
    that a model that starts to overfit a small X stops there. None
    fits every row and stops on the training loss instead, which also
    keeps a memmap X out of memory (the held-out split copies the rows
    to fit). Unused by :meth:`partial_fit` and the maximum-likelihood
    objectives.
""",
    "visible_attributes": """\
intercept_visible_ : ndarray of shape (n_features,)
    Visible biases ``b``, in units of ``v / visible_std_``.

visible_std_ : float
    Fitted (or fixed) visible standard deviation ``sigma``.
""",
    "iteration_attributes": """\
validation_loss_curve_ : list of float
    Training loss on the held-out rows after each L-BFGS iteration;
    empty with ``validation_fraction=None`` and for the
    maximum-likelihood objectives.

n_iter_ : int
    Number of L-BFGS iterations or passes run, plus one per
    :meth:`partial_fit` call.
""",
    "input_attributes": """\
n_features_in_ : int
    Number of features seen during ``fit``.

feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of features seen during ``fit``. Defined only when `X`
    has feature names that are all strings.
""",
    "feature_names_out": """\
Parameters
----------
input_features : array-like of str or None, default=None
    Only used to validate feature names with the names seen in ``fit``.

Returns
-------
feature_names_out : ndarray of str objects
    One name per column of :meth:`transform`'s output, in its order.
""",
}


def fill_doc(obj):
    """``obj`` with the shared descriptions its docstring names filled in."""
    lines = []
    for line in obj.__doc__.splitlines():
        key = line.strip()
        if key.startswith("%(") and key.endswith(")s"):
            indent = line[: len(line) - len(line.lstrip())]
            shared = _SHARED[key[2:-2]].splitlines()
            lines.extend(indent + text if text else text for text in shared)
        else:
            lines.append(line)
    obj.__doc__ = "\n".join(lines)
    return obj
