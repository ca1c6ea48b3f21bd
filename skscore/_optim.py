"""The optimizers: scipy's L-BFGS over one flat parameter vector, and Adam."""

import time
import warnings
from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from ._logging import iterations_to_report, progress_logger

#: Adam's decay rates of its moments and the term that keeps its steps finite
_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8


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


class AdamState(NamedTuple):
    """The state of Adam (Kingma & Ba, 2015): a value, replaced at each step.

    Attributes
    ----------
    count : int
        Steps taken.

    first, second : dict of str to ndarray
        The float64 moving averages of the gradient and of its square, by
        parameter name.
    """

    count: int
    first: dict
    second: dict


def adam_init(params, names):
    """The state of Adam before its first step on the entries ``names``."""
    zeros = {name: np.zeros(np.shape(params[name])) for name in names}
    return AdamState(0, zeros, {name: np.zeros_like(z) for name, z in zeros.items()})


def adam_update(params, grads, state, learning_rate, unit):
    """One Adam step along ``grads``: the new parameters and the new state.

    Gradients are divided by ``unit``, the natural size of the loss, so that
    the moments' ``eps`` is small relative to them whatever the units of the
    data. Parameters keep their dtype.
    """
    count = state.count + 1
    rate = learning_rate * np.sqrt(1 - _BETA2**count) / (1 - _BETA1**count)
    out, first, second = dict(params), {}, {}
    for name in state.first:
        grad = np.asarray(grads[name], dtype=np.float64) / unit
        first[name] = _BETA1 * state.first[name] + (1 - _BETA1) * grad
        second[name] = _BETA2 * state.second[name] + (1 - _BETA2) * grad * grad
        update = rate * first[name] / (np.sqrt(second[name]) + _EPS)
        with np.errstate(over="ignore", invalid="ignore"):
            out[name] = (params[name] - update).astype(params[name].dtype)
    return out, AdamState(count, first, second)


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
    x0=None,
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

    x0 : ndarray, default=None
        The starting point as one float64 vector of the ``trainable``
        entries, where it holds more than their dtypes (coordinates
        computed in float64 for float32 parameters); by default, ``params``.

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
    run = _LBFGSRun(
        objective,
        params,
        trainable,
        validation=validation,
        unit=unit,
        name=name,
        rule=_NoImprovement(tol, n_iter_no_change),
        verbose=verbose,
        max_iter=max_iter,
    )
    # scipy's own tests (gtol, ftol) are off, their thresholds being absolute
    # or per iteration: the rule judges convergence, and L-BFGS stops by
    # itself only where its line search finds no decrease left
    result = minimize(
        run.fun,
        _pack(params, trainable) if x0 is None else x0,
        method="L-BFGS-B",
        jac=True,
        callback=run.callback,
        options={"maxiter": max_iter, "gtol": 0.0, "ftol": 0.0},
    )
    run.finish(result, tol, n_iter_no_change)
    rule = run.rule
    best = result.x if validation is None or rule.best_x is None else rule.best_x
    return run.at(best), run.loss_curve, result.nit, run.validation_curve


class _LBFGSRun:
    """What one :func:`minimize_lbfgs` call evaluates, records and reports."""

    def __init__(
        self,
        objective,
        params,
        trainable,
        *,
        validation,
        unit,
        name,
        rule,
        verbose,
        max_iter,
    ):
        self.objective, self.params, self.trainable = objective, params, trainable
        self.validation, self.unit, self.name, self.rule = validation, unit, name, rule
        self.max_iter = max_iter
        self.log = progress_logger(verbose)
        self.reported = iterations_to_report(verbose, max_iter)
        self.loss_curve, self.validation_curve = [], []
        self.grad_norm = None
        self.start = time.perf_counter()

    def at(self, x):
        """The parameters at the optimizer's point ``x``."""
        return _unpack(x, self.params, self.trainable)

    def fun(self, x):
        """``loss / unit`` and its gradient at ``x``, for scipy."""
        point = self.at(x)
        loss, grads = evaluate(
            self.objective,
            point,
            self.trainable,
            self.name,
            f"after {len(self.loss_curve)} L-BFGS iterations",
        )
        grad = _pack(grads, self.trainable) / self.unit
        with np.errstate(over="ignore"):  # a finite but huge gradient
            self.grad_norm = np.linalg.norm(grad)
        if self.rule.start is None:  # L-BFGS evaluates the starting point first
            self.rule.start = loss
            if self.validation is not None:
                self.rule.start = _validation_loss(
                    self.validation, point, self.trainable, self.name, 0
                )
        return loss / self.unit, grad

    def callback(self, intermediate_result):
        """Record an iterate; stop L-BFGS once the rule says it converged."""
        # L-BFGS accepts the point it evaluated last, so the loss is recorded
        # from that evaluation rather than recomputed.
        self.loss_curve.append(float(intermediate_result.fun) * self.unit)
        n_iter = len(self.loss_curve)
        line = f"Iteration {n_iter}/{self.max_iter}, loss = {self.loss_curve[-1]:.8g}, "
        if self.validation is None:
            monitored = self.loss_curve[-1]
        else:
            monitored = _validation_loss(
                self.validation,
                self.at(intermediate_result.x),
                self.trainable,
                self.name,
                n_iter,
            )
            self.validation_curve.append(monitored)
            line += f"validation loss = {monitored:.8g}, "
        if self.reported(n_iter):
            self.log(
                line + f"relative gradient norm = {self.grad_norm:.4g}, "
                f"time = {time.perf_counter() - self.start:.2f}s"
            )
        if self.rule.update(monitored, intermediate_result.x):
            raise StopIteration

    def finish(self, result, tol, n_iter_no_change):
        """Report why L-BFGS stopped; warn if it ran out of iterations."""
        if not self.loss_curve:  # converged at the starting point
            self.loss_curve.append(float(result.fun) * self.unit)
        cut_short = result.nit >= self.max_iter and not self.rule.stopped
        if self.rule.stopped:
            reason = "converged"
        elif cut_short:
            reason = "max_iter reached"
        else:
            reason = "converged" if result.success else str(result.message)
        self.log(
            f"L-BFGS stopped after {result.nit}/{self.max_iter} iterations "
            f"({reason}), loss = {self.loss_curve[-1]:.8g}, "
            f"time = {time.perf_counter() - self.start:.2f}s"
        )
        if cut_short:
            monitored = "loss" if self.validation is None else "validation loss"
            warnings.warn(
                f"L-BFGS reached max_iter={self.max_iter} before {self.name} "
                f"converged: its {monitored} was still improving (by more than "
                f"tol={tol:g} of its progress over n_iter_no_change="
                f"{n_iter_no_change} iterations). Increase max_iter, or tol to "
                "stop sooner.",
                ConvergenceWarning,
            )


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
