"""Drive an energy objective with scipy's L-BFGS over one flat parameter vector."""

import time
import warnings

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from ._logging import iterations_to_report, progress_logger


def _pack(params, names):
    return np.concatenate([np.ravel(params[name]) for name in names]).astype(
        np.float64, copy=False
    )


def _unpack(x, params, names):
    """Copy of ``params`` whose entries ``names`` are read from ``x``, same dtypes."""
    out = dict(params)
    start = 0
    for name in names:
        value = params[name]
        stop = start + np.size(value)
        out[name] = x[start:stop].reshape(np.shape(value)).astype(value.dtype)
        start = stop
    return out


def normalize_rows(params, names):
    """Copy of ``params`` whose entries ``names`` have every row scaled to unit norm."""
    out = dict(params)
    for name in names:
        out[name] = params[name] / np.linalg.norm(params[name], axis=1, keepdims=True)
    return out


def on_unit_rows(objective, names):
    """``objective`` with the rows of ``params[names]`` constrained to unit norm.

    The constraint is a reparametrization: the returned function evaluates
    ``objective`` at the row-normalized parameters and maps its gradient back
    through the normalization, so an unconstrained optimizer can drive it.
    """

    def constrained(params):
        normalized = normalize_rows(params, names)
        loss, grads = objective(normalized)
        grads = dict(grads)
        for name in names:
            rows, grad = normalized[name], grads[name]
            radial = np.sum(grad * rows, axis=1, keepdims=True) * rows
            norms = np.linalg.norm(params[name], axis=1, keepdims=True)
            grads[name] = (grad - radial) / norms
        return loss, grads

    return constrained


class Adam:
    """Adam (Kingma & Ba, 2015) on the entries ``names`` of a parameter dict.

    Moments are kept in float64 across calls to :meth:`step`; parameters keep
    their dtype. Gradients are divided by ``unit``, the natural size of the
    loss, so that ``eps`` is small relative to them whatever the units of the
    data. A step that makes a parameter non-finite, or takes an entry of
    ``bounds`` out of its range, raises a ValueError naming the step size.
    """

    def __init__(
        self,
        params,
        names,
        learning_rate,
        *,
        unit=1.0,
        bounds=None,
        beta1=0.9,
        beta2=0.999,
        eps=1e-8,
    ):
        self.names = list(names)
        self.learning_rate = learning_rate
        self.unit = unit
        self.bounds = bounds or {}
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.first = {name: np.zeros(np.shape(params[name])) for name in self.names}
        self.second = {name: np.zeros(np.shape(params[name])) for name in self.names}
        self.n_steps = 0

    def step(self, params, grads):
        """Parameters after one step along ``grads``; a new dict."""
        self.n_steps += 1
        rate = (
            self.learning_rate
            * np.sqrt(1 - self.beta2**self.n_steps)
            / (1 - self.beta1**self.n_steps)
        )
        out = dict(params)
        for name in self.names:
            grad = np.asarray(grads[name], dtype=np.float64) / self.unit
            first, second = self.first[name], self.second[name]
            first *= self.beta1
            first += (1 - self.beta1) * grad
            second *= self.beta2
            second += (1 - self.beta2) * grad * grad
            update = rate * first / (np.sqrt(second) + self.eps)
            with np.errstate(over="ignore", invalid="ignore"):
                out[name] = (params[name] - update).astype(params[name].dtype)
        bad = [name for name in self.names if not np.isfinite(out[name]).all()]
        bad += [
            name
            for name, (low, high) in self.bounds.items()
            if not low <= out[name] <= high
        ]
        if bad:
            raise ValueError(
                f"Adam step {self.n_steps} made {', '.join(bad)} diverge (non-finite "
                f"or out of range): learning_rate={self.learning_rate} is too "
                "large for this model and data. Lower learning_rate."
            )
        return out


def evaluate(objective, params, names, name, where):
    """``objective(params)``, raising a ValueError if it is not finite.

    Overflow is reported as a non-finite loss or gradient, with an
    explanation, rather than as a bare RuntimeWarning.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        loss, grads = objective(params)
    _check_finite(loss, grads, names, name, where)
    return loss, grads


def _check_finite(loss, grads, names, name, where):
    """Raise a ValueError explaining a non-finite loss or gradient."""
    if np.isfinite(loss) and all(np.isfinite(grads[n]).all() for n in names):
        return
    bad = [n for n in names if not np.isfinite(grads[n]).all()]
    raise ValueError(
        f"{name} became non-finite (loss={loss}"
        + (f", non-finite gradient for {', '.join(bad)}" if bad else "")
        + f") {where}: the parameters diverged. Standardize the input (e.g. with "
        "StandardScaler), increase alpha, or check the data for extreme values."
    )


def minimize_lbfgs(
    objective,
    params,
    trainable,
    *,
    max_iter,
    tol,
    verbose,
    name,
    n_iter_no_change=10,
    validation=None,
    unit=1.0,
    bounds=None,
):
    """Minimize ``objective(params) -> (loss, grads)`` over ``params[trainable]``.

    Parameters
    ----------
    objective : callable
        Maps a dict of parameter arrays to the loss (float) and a dict of
        gradients holding at least the ``trainable`` entries.

    params : dict of ndarray
        Starting point; entries not in ``trainable`` stay fixed.

    trainable : list of str
        Names of the entries to optimize.

    max_iter : int
        Maximum number of L-BFGS iterations.

    tol : float
        The stopping rule's threshold: the fit has converged once the best
        monitored loss (``validation``'s, or else ``objective``'s) of the
        last ``n_iter_no_change`` iterations improves on the best before
        them by at most ``tol`` times its total improvement since the
        starting point. L-BFGS also stops where its line search finds no
        decrease left.

    verbose : int
        If positive, report progress lines: iteration k/max_iter, loss (and
        validation loss), gradient norm of ``loss / unit`` and elapsed
        seconds, every tenth of ``max_iter`` for 1 and every iteration for 2
        or more, then a line when L-BFGS stops.

    name : str
        What is being minimized, for messages (e.g. "the 'sm' objective").

    n_iter_no_change : int, default=10
        Length of the stopping rule's window.

    validation : callable, default=None
        A function like ``objective`` (the loss on held-out data) that the
        stopping rule monitors; the parameters returned are then those of
        the iteration where it was lowest.

    unit : float, default=1.0
        The natural size of the loss: L-BFGS minimizes ``loss / unit``, so
        that its first step and the gradient norms it reports do not depend
        on the units the loss is expressed in.

    bounds : dict of str to (float, float), default=None
        Open intervals for entries of ``trainable``, which must start inside
        them. They are kept there by a smooth change of variables, ``value =
        center + half tanh(t / half)``, nearly the identity around the
        center: L-BFGS-B's own bounds cost scipy a Python loop over every
        parameter to set up (0.25 s per fit at 50,000 parameters).

    Returns
    -------
    params : dict of ndarray
        The parameters at the last iterate (with ``validation``, at the
        iterate of lowest validation loss), in the dtypes of the input.

    loss_curve : list of float
        Loss at each iterate.

    n_iter : int
        Number of iterations run.

    validation_curve : list of float
        The validation loss at each iterate; empty without ``validation``.
    """
    log = progress_logger(verbose)
    reported = iterations_to_report(verbose, max_iter)
    last = {}
    # each bounded entry: the center and half-width of its interval
    squashed = {
        key: ((high + low) / 2, (high - low) / 2)
        for key, (low, high) in (bounds or {}).items()
    }

    def at(x):
        """The parameters at the optimizer's point ``x``."""
        out = _unpack(x, params, trainable)
        for key, (center, half) in squashed.items():
            value = center + half * np.tanh(np.asarray(out[key], np.float64) / half)
            out[key] = value.astype(params[key].dtype)
        return out

    def fun(x):
        point = at(x)
        loss, grads = evaluate(
            objective,
            point,
            trainable,
            name,
            f"after {len(loss_curve)} L-BFGS iterations",
        )
        for key, (center, half) in squashed.items():  # d value / dt = 1 - tanh^2
            grads[key] = grads[key] * (1 - ((point[key] - center) / half) ** 2)
        grad = _pack(grads, trainable) / unit
        with np.errstate(over="ignore"):  # a finite but huge gradient
            grad_norm = np.linalg.norm(grad)
        last["grad_norm"] = grad_norm
        if rule.start is None:  # L-BFGS evaluates the starting point first
            rule.start = loss
            if validation is not None:
                rule.start = _validation_loss(validation, point, trainable, name, 0)
        return loss / unit, grad

    loss_curve, validation_curve = [], []
    start_point = dict(params)
    for key, (center, half) in squashed.items():
        start_point[key] = half * np.arctanh((params[key] - center) / half)
    x0 = _pack(start_point, trainable)
    rule = _NoImprovement(tol, n_iter_no_change)
    start = time.perf_counter()

    def callback(intermediate_result):
        # L-BFGS accepts the point it evaluated last, so the loss is recorded
        # from that evaluation rather than recomputed.
        loss_curve.append(float(intermediate_result.fun) * unit)
        line = f"Iteration {len(loss_curve)}/{max_iter}, loss = {loss_curve[-1]:.8g}, "
        if validation is None:
            monitored = loss_curve[-1]
        else:
            monitored = _validation_loss(
                validation, at(intermediate_result.x), trainable, name, len(loss_curve)
            )
            validation_curve.append(monitored)
            line += f"validation loss = {monitored:.8g}, "
        if reported(len(loss_curve)):
            log(
                line + f"relative gradient norm = {last['grad_norm']:.4g}, "
                f"time = {time.perf_counter() - start:.2f}s"
            )
        if rule.update(monitored, intermediate_result.x):
            raise StopIteration

    # scipy's own tests (gtol, ftol) are off, their thresholds being absolute
    # or per iteration: the rule above judges convergence, and L-BFGS stops
    # by itself only where its line search finds no decrease left
    result = minimize(
        fun,
        x0,
        method="L-BFGS-B",
        jac=True,
        callback=callback,
        options={"maxiter": max_iter, "gtol": 0.0, "ftol": 0.0},
    )
    if not loss_curve:  # converged at the starting point
        loss_curve.append(float(result.fun) * unit)
    if rule.stopped:
        reason = "converged"
    elif result.nit >= max_iter:
        reason = "max_iter reached"
    else:
        reason = "converged" if result.success else str(result.message)
    log(
        f"L-BFGS stopped after {result.nit}/{max_iter} iterations ({reason}), "
        f"loss = {loss_curve[-1]:.8g}, time = {time.perf_counter() - start:.2f}s"
    )
    if result.nit >= max_iter and not rule.stopped:
        monitored = "loss" if validation is None else "validation loss"
        warnings.warn(
            f"L-BFGS reached max_iter={max_iter} before {name} converged: its "
            f"{monitored} was still improving (by more than tol={tol:g} of its "
            f"progress over n_iter_no_change={n_iter_no_change} iterations). "
            "Increase max_iter, or tol to stop sooner.",
            ConvergenceWarning,
        )
    best = result.x if validation is None or rule.best_x is None else rule.best_x
    return at(best), loss_curve, result.nit, validation_curve


def _validation_loss(validation, params, trainable, name, n_iter):
    """The loss on the validation rows at ``params``, a float."""
    loss, _ = evaluate(
        validation,
        params,
        trainable,
        f"{name} on the validation rows",
        f"after {n_iter} L-BFGS iterations",
    )
    return float(loss)


class _NoImprovement:
    """The stopping rule: little improvement over a window of iterations.

    :meth:`update` takes the loss at each iterate and returns True once the
    best of the last ``n_iter_no_change`` iterates improves on the best
    before them by at most ``tol`` times the total improvement since the
    start (``start``, the loss at the starting point, less the best loss;
    set before the first update).
    Relative to the progress made, the rule does not depend on the units or
    the offset of the loss, and a slow start does not look like convergence.
    ``best_x`` is the point of the lowest iterate so far.
    """

    def __init__(self, tol, n_iter_no_change):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.start = None
        self.losses = []
        self.best_x = None
        self.stopped = False

    def update(self, loss, x):
        if not self.losses or loss < min(self.losses):
            self.best_x = np.array(x)
        self.losses.append(loss)
        if len(self.losses) <= self.n_iter_no_change:
            return False
        before = min(self.losses[: -self.n_iter_no_change])
        recent = min(self.losses[-self.n_iter_no_change :])
        progress = self.start - min(before, recent)
        self.stopped = before - recent <= self.tol * progress
        return self.stopped
